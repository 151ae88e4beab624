//! A large model decoded a slice at a time, so the page's thread is never blocked for long.
//!
//! The worker answers a [`Request::Check`](crate::jobs::Request::Check) with a [`Checked`] as
//! JSON; at a thousand hosts that is ~16,000 components, and decoding them in one go held the
//! page's thread for most of a second. [`Decoder`] cuts the same JSON text instead: a scanner
//! finds the model's members and the entries of its long lists, the rest (a small document
//! with those lists empty) is decoded first, then the entries, a few hundred per step, each
//! with the same `serde_json` decoder the whole model uses (no other copy of the model's
//! deserializer in the page's wasm). Between steps the browser gets its thread back
//! ([`decode`]). The result is exactly what one `serde_json::from_str::<Checked>` gives: a test
//! compares both.

use crate::jobs::Checked;
use hostplan::model::section::Section;
use hostplan::model::Topology;
use std::ops::Range;

/// Lists longer than this are decoded entry by entry, in steps.
const LONG: usize = 64;

/// A [`Checked`] being decoded from its JSON text.
pub struct Decoder {
    text: String,
    checked: Checked,
    /// Entries still to decode: the section and each entry's range in `text`.
    queue: Vec<(Section, Range<usize>)>,
    next: usize,
}

impl Decoder {
    /// Decode everything but the long lists' entries (a small part of a large model).
    ///
    /// # Errors
    /// The decoder's message when `text` is not a [`Checked`].
    pub fn new(text: String) -> Result<Self, String> {
        let members = Scanner::new(&text)
            .object(0)
            .ok_or("the answer is not a JSON object")?;
        let model = members
            .iter()
            .find(|(k, _)| k == "topology")
            .map(|(_, r)| r.clone());
        let mut queue = Vec::new();
        // The answer without the long lists' entries: `"vms":[]` in place of each.
        let mut short = String::with_capacity(text.len().min(1 << 16));
        let mut at = 0;
        if let Some(model) = model.filter(|r| text.as_bytes()[r.start] == b'{') {
            let sections = Scanner::new(&text)
                .object(model.start)
                .ok_or("the model is not a JSON object")?;
            for (key, range) in sections {
                let Some(section) = Section::from_key(&key) else {
                    continue;
                };
                let Some(items) = Scanner::new(&text).array(range.start) else {
                    continue;
                };
                if items.len() <= LONG {
                    continue;
                }
                short.push_str(&text[at..range.start]);
                short.push_str("[]");
                at = range.end;
                queue.extend(items.into_iter().map(|r| (section, r)));
            }
        }
        short.push_str(&text[at..]);
        let checked: Checked = serde_json::from_str(&short).map_err(|e| e.to_string())?;
        if checked.topology.is_none() && !queue.is_empty() {
            return Err("entries without a model".into());
        }
        Ok(Self {
            text,
            checked,
            queue,
            next: 0,
        })
    }

    /// Decode up to `entries` more entries; `true` when every entry is decoded.
    ///
    /// # Errors
    /// The decoder's message for an entry that is not one of its section.
    pub fn step(&mut self, entries: usize) -> Result<bool, String> {
        let end = (self.next + entries).min(self.queue.len());
        if let Some(t) = self.checked.topology.as_mut() {
            for (section, range) in &self.queue[self.next..end] {
                push(t, *section, &self.text[range.clone()]).map_err(|e| e.to_string())?;
            }
        }
        self.next = end;
        Ok(self.next == self.queue.len())
    }

    /// The decoded answer (call after [`Decoder::step`] said it was done).
    pub fn finish(self) -> Checked {
        self.checked
    }
}

/// Decode one entry of `section` and append it to `t`'s list.
fn push(t: &mut Topology, section: Section, json: &str) -> Result<(), serde_json::Error> {
    macro_rules! push {
        ($($variant:ident => $field:ident),+ $(,)?) => {
            match section {
                $(Section::$variant => t.$field.push(serde_json::from_str(json)?),)+
            }
        };
    }
    push! {
        PowerFeeds => power_feeds,
        Ups => ups,
        Hosts => hosts,
        Devices => devices,
        Mappings => mappings,
        Disks => disks,
        Storages => storages,
        Pools => pools,
        Networks => networks,
        Switches => switches,
        Links => links,
        Vms => vms,
        Services => services,
        Consumers => consumers,
        Waivers => waivers,
    }
    Ok(())
}

/// Decode a [`Checked`] from its JSON text, giving the page's thread back between steps of
/// about 40 ms.
///
/// # Errors
/// As [`Decoder::new`] and [`Decoder::step`].
#[cfg(target_arch = "wasm32")]
pub async fn decode(text: String) -> Result<Checked, String> {
    let now = || {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    };
    // Not in the task that received the answer (the worker's message, itself a few
    // megabytes of JSON to read at a thousand hosts): the scan of the model in one of its own.
    next_task().await;
    let mut d = Decoder::new(text)?;
    // Steps sized by the time they take: a first one of 100 entries measures.
    let mut entries = 100usize;
    loop {
        next_task().await;
        let start = now();
        if d.step(entries)? {
            return Ok(d.finish());
        }
        let took = (now() - start).max(1.0);
        // 40 ms of decoding per step, as far as the last step tells.
        #[allow(clippy::cast_sign_loss)]
        let next = (entries as f64 * 40.0 / took) as usize;
        entries = next.clamp(50, 20_000);
    }
}

/// Resolves in a later task (a `setTimeout` of 0): the browser handles input and paints
/// in between.
#[cfg(target_arch = "wasm32")]
pub async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// [`decode`] in one go (natively, where nothing else waits for the thread).
///
/// # Errors
/// As [`Decoder::new`] and [`Decoder::step`].
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_now(text: String) -> Result<Checked, String> {
    let mut d = Decoder::new(text)?;
    while !d.step(usize::MAX)? {}
    Ok(d.finish())
}

/// Finds where the members of a JSON object and the items of a JSON array are, in text
/// `serde_json` wrote (the worker's answer); anything unexpected is `None`, and the caller
/// then reports the decoder's own error.
struct Scanner<'a> {
    b: &'a [u8],
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self { b: text.as_bytes() }
    }

    fn ws(&self, mut i: usize) -> usize {
        while matches!(self.b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            i += 1;
        }
        i
    }

    /// The end of the string starting at `i` (its opening quote).
    fn string(&self, mut i: usize) -> Option<usize> {
        i += 1;
        loop {
            match *self.b.get(i)? {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
    }

    /// The end of the value starting at `i`.
    fn value(&self, i: usize) -> Option<usize> {
        match *self.b.get(i)? {
            b'"' => self.string(i),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut j = i;
                loop {
                    match *self.b.get(j)? {
                        b'"' => {
                            j = self.string(j)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(j + 1);
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            _ => {
                let mut j = i;
                while !matches!(
                    self.b.get(j),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                ) {
                    j += 1;
                }
                (j > i).then_some(j)
            }
        }
    }

    /// The members of the object starting at `i`: each key and its value's range.
    fn object(&self, i: usize) -> Option<Vec<(String, Range<usize>)>> {
        let mut i = self.ws(i);
        if *self.b.get(i)? != b'{' {
            return None;
        }
        let mut out = Vec::new();
        i = self.ws(i + 1);
        if *self.b.get(i)? == b'}' {
            return Some(out);
        }
        loop {
            let key_end = self.string(i)?;
            let key: String = serde_json::from_slice(&self.b[i..key_end]).ok()?;
            i = self.ws(key_end);
            if *self.b.get(i)? != b':' {
                return None;
            }
            let start = self.ws(i + 1);
            let end = self.value(start)?;
            out.push((key, start..end));
            i = self.ws(end);
            match *self.b.get(i)? {
                b',' => i = self.ws(i + 1),
                b'}' => return Some(out),
                _ => return None,
            }
        }
    }

    /// The items of the array starting at `i` (`None` when it is not an array).
    fn array(&self, i: usize) -> Option<Vec<Range<usize>>> {
        let mut i = self.ws(i);
        if *self.b.get(i)? != b'[' {
            return None;
        }
        let mut out = Vec::new();
        i = self.ws(i + 1);
        if *self.b.get(i)? == b']' {
            return Some(out);
        }
        loop {
            let end = self.value(i)?;
            out.push(i..end);
            i = self.ws(end);
            match *self.b.get(i)? {
                b',' => i = self.ws(i + 1),
                b']' => return Some(out),
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(json: &str) -> Checked {
        serde_json::from_str(json).unwrap()
    }

    fn in_steps(json: &str, entries: usize) -> Checked {
        let mut d = Decoder::new(json.to_owned()).unwrap();
        let mut steps = 1;
        while !d.step(entries).unwrap() {
            steps += 1;
        }
        assert_eq!(steps, d.queue.len().div_ceil(entries).max(1));
        d.finish()
    }

    #[test]
    fn a_model_decoded_in_steps_is_the_model_decoded_at_once() {
        let fleet = hostplan::sim::generate::generate(&hostplan::sim::generate::FleetSpec {
            hosts: 30,
            ..Default::default()
        });
        let text = toml::to_string(&fleet).unwrap();
        let report = hostplan::check("fleet.toml", text.as_bytes());
        let answer = Checked {
            topology: report.topology,
            diagnostics: report.diagnostics,
            // A JSON file's TOML form comes with it (after the model: not among the entries).
            toml: Some(text.clone()),
        };
        // Escapes, a nested list and an empty one in entries and keys.
        let mut t = answer.topology.clone().unwrap();
        t.vms[3].role = "a \"quoted\" [bracket] {brace}, \\ back\nslash".into();
        t.site.description = "]}".into();
        let answer = Checked {
            topology: Some(t),
            ..answer
        };
        let json = serde_json::to_string(&answer).unwrap();
        let d = Decoder::new(json.clone()).unwrap();
        assert!(d.queue.len() > 300, "{} entries queued", d.queue.len());
        for entries in [1, 7, 1000] {
            assert_eq!(in_steps(&json, entries), whole(&json));
        }
        assert_eq!(whole(&json), answer);
        // Pretty-printed (spaces and line breaks between tokens) too.
        let pretty = serde_json::to_string_pretty(&answer).unwrap();
        assert_eq!(in_steps(&pretty, 50), answer);
    }

    #[test]
    fn small_answers_and_refusals_decode_as_they_are() {
        let seed = hostplan::check("seed.toml", hostplan::examples::SEED.as_bytes());
        let answer = Checked {
            topology: seed.topology,
            diagnostics: seed.diagnostics,
            toml: None,
        };
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(in_steps(&json, 10), answer);
        let bad = hostplan::check("bad.toml", b"[[vms]]\nid = 1\n");
        let refused = Checked {
            topology: None,
            diagnostics: bad.diagnostics,
            toml: None,
        };
        let json = serde_json::to_string(&refused).unwrap();
        assert_eq!(in_steps(&json, 10), refused);
    }

    #[test]
    fn what_is_not_an_answer_is_an_error_not_a_panic() {
        for text in [
            "",
            "[]",
            "{",
            "{\"topology\": {\"vms\": [1, 2",
            "{\"topology\": 3}",
            "nul",
        ] {
            let got = Decoder::new(text.to_owned()).and_then(|mut d| d.step(10).map(|_| ()));
            assert!(got.is_err(), "{text}");
        }
        // A long list of entries that are not VMs: the step that meets them says so.
        let items = vec!["1"; LONG + 1].join(",");
        let text = format!(
            "{{\"topology\":{{\"schema_version\":1,\"vms\":[{items}]}},\"diagnostics\":[]}}"
        );
        let mut d = Decoder::new(text).unwrap();
        assert!(d.step(usize::MAX).is_err());
    }
}
