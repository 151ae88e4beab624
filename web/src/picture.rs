//! Pictures of what is on screen, for download: an SVG of the page serialised standalone (its
//! computed styles inlined, since the page's style sheet does not travel with the file) and the
//! same picture rasterised to PNG by drawing it on a canvas. Browser only: the geometry the
//! picture shows is the layout's, tested natively.

use std::fmt::Write as _;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlCanvasElement, HtmlImageElement};

/// The style properties a picture needs to look as on screen (what `web/style.css` sets on
/// SVG elements).
const PROPERTIES: [&str; 14] = [
    "fill",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "opacity",
    "font-size",
    "font-weight",
    "font-family",
    "text-anchor",
    "display",
    "visibility",
    "fill-opacity",
    "stroke-opacity",
    "dominant-baseline",
];

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The element to draw is not on the page.
    #[error("nothing to draw: #{0} is not on the page")]
    Missing(String),
    /// The browser refused a step (serialising, the canvas, the download).
    #[error("the browser refused: {0}")]
    Browser(String),
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "`map_err` hands the error over by value"
)]
fn browser(e: JsValue) -> PictureError {
    PictureError::Browser(e.as_string().unwrap_or_else(|| "unknown error".to_owned()))
}

/// The SVG element `#id` as a standalone document of `w` × `h` user units from (`x`, `y`)
/// (the whole drawing, not only the part in view), every element's computed style inlined.
///
/// # Errors
/// When `#id` is missing or the browser refuses to serialise it.
pub fn standalone_svg(
    id: &str,
    window: Option<(f64, f64, f64, f64)>,
) -> Result<String, PictureError> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| PictureError::Missing(id.to_owned()))?;
    let svg = doc
        .get_element_by_id(id)
        .ok_or_else(|| PictureError::Missing(id.to_owned()))?;
    let copy: Element = svg
        .clone_node_with_deep(true)
        .map_err(browser)?
        .unchecked_into();
    // Styles are read from the live elements (the copy is not in the document), pairing them
    // by document order.
    let live = svg.query_selector_all("*").map_err(browser)?;
    let copied = copy.query_selector_all("*").map_err(browser)?;
    let win = web_sys::window().ok_or_else(|| PictureError::Missing(id.to_owned()))?;
    inline(&win, &svg, &copy)?;
    for i in 0..live.length().min(copied.length()) {
        let (Some(a), Some(b)) = (live.item(i), copied.item(i)) else {
            continue;
        };
        inline(&win, &a.unchecked_into(), &b.unchecked_into())?;
    }
    copy.set_attribute("xmlns", "http://www.w3.org/2000/svg")
        .map_err(browser)?;
    if let Some((x, y, w, h)) = window {
        copy.set_attribute("viewBox", &format!("{x:.1} {y:.1} {w:.1} {h:.1}"))
            .map_err(browser)?;
        copy.set_attribute("width", &format!("{w:.0}"))
            .map_err(browser)?;
        copy.set_attribute("height", &format!("{h:.0}"))
            .map_err(browser)?;
    }
    copy.remove_attribute("class").map_err(browser)?;
    let text = web_sys::XmlSerializer::new()
        .map_err(browser)?
        .serialize_to_string(&copy)
        .map_err(browser)?;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}"
    ))
}

fn inline(win: &web_sys::Window, live: &Element, copy: &Element) -> Result<(), PictureError> {
    let Some(cs) = win.get_computed_style(live).map_err(browser)? else {
        return Ok(());
    };
    let mut style = String::new();
    for p in PROPERTIES {
        let v = cs.get_property_value(p).map_err(browser)?;
        if !v.is_empty() {
            let _ = write!(style, "{p}:{v};");
        }
    }
    copy.set_attribute("style", &style).map_err(browser)
}

/// Offer `bytes` as a download named `name`.
///
/// # Errors
/// When the browser refuses to make the object URL or the link.
pub fn download_blob(blob: &web_sys::Blob, name: &str) -> Result<(), PictureError> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(browser)?;
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| PictureError::Browser("no document".into()))?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(browser)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The download has started from the URL: revoking it later frees the blob.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

fn svg_blob(text: &str) -> Result<web_sys::Blob, PictureError> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml;charset=utf-8");
    web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(browser)
}

/// Download the SVG `#id` (the window `(x, y, w, h)` of it) as `name`.svg.
///
/// # Errors
/// See [`standalone_svg`] and [`download_blob`].
pub fn download_svg(
    id: &str,
    window: (f64, f64, f64, f64),
    name: &str,
) -> Result<(), PictureError> {
    let text = standalone_svg(id, Some(window))?;
    download_blob(&svg_blob(&text)?, &format!("{name}.svg"))
}

/// Download the SVG `#id` rasterised to PNG at `scale` pixels per unit, as `name`.png: the
/// standalone SVG is loaded as an image and drawn on a canvas (white background: a PNG
/// viewer's transparent checkerboard would hide light fills).
///
/// # Errors
/// See [`standalone_svg`]; failures after the image loads are reported to the console.
pub fn download_png(
    id: &str,
    window: (f64, f64, f64, f64),
    scale: f64,
    name: &str,
) -> Result<(), PictureError> {
    let text = standalone_svg(id, Some(window))?;
    let url = web_sys::Url::create_object_url_with_blob(&svg_blob(&text)?).map_err(browser)?;
    let img = HtmlImageElement::new().map_err(browser)?;
    let (w, h) = (window.2 * scale, window.3 * scale);
    let name = format!("{name}.png");
    let on_load = {
        let (img, url) = (img.clone(), url.clone());
        Closure::once_into_js(move || {
            if let Err(e) = draw(&img, w, h, scale, &name) {
                web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
            }
            let _ = web_sys::Url::revoke_object_url(&url);
        })
    };
    img.set_onload(Some(on_load.unchecked_ref()));
    img.set_src(&url);
    Ok(())
}

fn draw(
    img: &HtmlImageElement,
    w: f64,
    h: f64,
    scale: f64,
    name: &str,
) -> Result<(), PictureError> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| PictureError::Browser("no document".into()))?;
    let canvas: HtmlCanvasElement = doc
        .create_element("canvas")
        .map_err(browser)?
        .unchecked_into();
    // Whole pixels, at least one: the cast is exact for any drawing a browser can show.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "small, positive"
    )]
    let (pw, ph) = (w.ceil().max(1.0) as u32, h.ceil().max(1.0) as u32);
    canvas.set_width(pw);
    canvas.set_height(ph);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(browser)?
        .ok_or_else(|| PictureError::Browser("no 2d canvas".into()))?
        .unchecked_into();
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.scale(scale, scale).map_err(browser)?;
    ctx.draw_image_with_html_image_element_and_dw_and_dh(img, 0.0, 0.0, w / scale, h / scale)
        .map_err(browser)?;
    let name = name.to_owned();
    let done = Closure::once_into_js(move |blob: Option<web_sys::Blob>| {
        if let Some(blob) = blob {
            if let Err(e) = download_blob(&blob, &name) {
                web_sys::console::error_1(&JsValue::from_str(&e.to_string()));
            }
        }
    });
    canvas
        .to_blob_with_type(done.unchecked_ref(), "image/png")
        .map_err(browser)
}
