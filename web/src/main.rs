//! Browser entry point: mount the app. Everything else lives in the library modules.
mod app;
mod components;
mod layout;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
