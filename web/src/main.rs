//! Browser entry point: mount the app. Everything else lives in the modules below.
mod analysis;
mod app;
mod chunked;
mod components;
mod edit;
mod hooks;
// The page uses the job messages; running jobs is the worker's (and the native tests').
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
mod jobs;
mod layout;
mod route;
mod service;
// Storage and fragment access exist only in the browser; the encoding is tested natively.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod persist;
mod picture;
// Prepared between a file's decoding and its first render, a browser's tasks; tested natively.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod prepared;
mod state;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
