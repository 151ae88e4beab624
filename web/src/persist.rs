//! Never lose work: the share-link encoding (pure, tested natively) and the browser's local
//! storage and URL fragment (thin wrappers).
//!
//! A share link carries the topology's TOML in the fragment (`#t=…`), deflated and base64url
//! encoded: the fragment never reaches a server, so a static host sees nothing of the plan.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The fragment key of a shared topology.
pub const FRAGMENT_KEY: &str = "t=";
/// The local-storage key of the autosave.
pub const AUTOSAVE_KEY: &str = "hostplan.autosave.v1";
/// The fragment key of the user's policy file travelling with a shared topology.
pub const POLICY_FRAGMENT_KEY: &str = "p=";
/// The local-storage key of the user's policy file.
pub const POLICY_KEY: &str = "hostplan.policies.v1";
/// The most a share link may inflate to (a hostile link cannot exhaust memory).
const MAX_INFLATED: usize = 16 * 1024 * 1024;

/// `text` deflated and base64url encoded.
pub fn encode(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9))
}

/// Why a share link could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not base64url.
    #[error("the link is damaged (not base64url): {0}")]
    Base64(String),
    /// Not deflate data, or too large.
    #[error("the link is damaged (cannot be inflated)")]
    Inflate,
    /// Not UTF-8 text.
    #[error("the link does not hold text")]
    Utf8,
    /// Text, but not the policy file a `p=` part holds (its name and text as JSON).
    #[error("the link's policy part is not a policy file")]
    NotPolicy,
}

/// The text of an [`encode`]d link.
///
/// # Errors
/// [`DecodeError`] for a damaged or hostile link.
pub fn decode(code: &str) -> Result<String, DecodeError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(code.trim().as_bytes())
        .map_err(|e| DecodeError::Base64(e.to_string()))?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED)
        .map_err(|_| DecodeError::Inflate)?;
    String::from_utf8(text).map_err(|_| DecodeError::Utf8)
}

/// The topology code in a URL fragment (`#t=…`), if any.
pub fn code_in_fragment(hash: &str) -> Option<&str> {
    part_of_fragment(hash, FRAGMENT_KEY)
}

fn part_of_fragment<'h>(hash: &'h str, key: &str) -> Option<&'h str> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix(key))
}

/// The user's policy file in a URL fragment (`#t=…&p=…`), if any.
///
/// # Errors
/// [`DecodeError`] for a damaged part (a link without one is `Ok(None)`).
pub fn policy_in_fragment(hash: &str) -> Result<Option<Saved>, DecodeError> {
    let Some(code) = part_of_fragment(hash, POLICY_FRAGMENT_KEY) else {
        return Ok(None);
    };
    serde_json::from_str(&decode(code)?)
        .map(Some)
        .map_err(|_| DecodeError::NotPolicy)
}

/// A policy file as a fragment part (`p=…`).
pub fn policy_part(policy: &Saved) -> String {
    format!(
        "{POLICY_FRAGMENT_KEY}{}",
        encode(&serde_json::to_string(policy).unwrap_or_default())
    )
}

/// What autosave stores: the file name and the text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Saved {
    /// File name.
    pub name: String,
    /// TOML text.
    pub text: String,
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Saved, AUTOSAVE_KEY, POLICY_KEY};

    /// Keep the user's policy file (empty text: forget it).
    pub fn save_policy(policy: &Saved) -> bool {
        let Some(s) = storage() else { return false };
        if policy.text.trim().is_empty() {
            return s.remove_item(POLICY_KEY).is_ok();
        }
        serde_json::to_string(policy).is_ok_and(|json| s.set_item(POLICY_KEY, &json).is_ok())
    }

    /// The user's kept policy file, if any.
    pub fn load_policy() -> Option<Saved> {
        let json = storage()?.get_item(POLICY_KEY).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    /// Save; a full or disabled storage is not an error worth interrupting anyone for, but it
    /// is reported so the page can say "not saved".
    pub fn save(saved: &Saved) -> bool {
        let Ok(json) = serde_json::to_string(saved) else {
            return false;
        };
        storage().is_some_and(|s| s.set_item(AUTOSAVE_KEY, &json).is_ok())
    }

    /// The autosaved document, if any.
    pub fn load() -> Option<Saved> {
        let json = storage()?.get_item(AUTOSAVE_KEY).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    /// The current URL fragment.
    pub fn fragment() -> String {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default()
    }

    /// The page's URL without its fragment.
    pub fn base_url() -> String {
        web_sys::window()
            .and_then(|w| w.location().href().ok())
            .map(|h| h.split('#').next().unwrap_or_default().to_owned())
            .unwrap_or_default()
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{base_url, fragment, load, load_policy, save, save_policy};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_round_trip_and_stay_short() {
        let seed = hostplan::examples::SEED;
        let code = encode(seed);
        assert_eq!(decode(&code).unwrap(), seed);
        assert!(
            code.len() < seed.len() / 2,
            "{} vs {}",
            code.len(),
            seed.len()
        );
        assert!(code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn damaged_links_are_errors_not_panics() {
        assert!(matches!(decode("!!!"), Err(DecodeError::Base64(_))));
        assert_eq!(decode("AAAA"), Err(DecodeError::Inflate));
        let bomb = encode(&"a".repeat(MAX_INFLATED + 1));
        assert_eq!(decode(&bomb), Err(DecodeError::Inflate));
    }

    #[test]
    fn a_policy_travels_beside_the_topology_in_the_fragment() {
        let policy = Saved {
            name: "mine.rego".into(),
            text: "package mine\nimport rego.v1\n".into(),
        };
        let hash = format!("#t={}&{}", encode("x"), policy_part(&policy));
        assert_eq!(policy_in_fragment(&hash), Ok(Some(policy)));
        assert_eq!(decode(code_in_fragment(&hash).unwrap()).unwrap(), "x");
        assert_eq!(policy_in_fragment("#t=abc"), Ok(None));
        assert!(policy_in_fragment("#t=abc&p=!!!").is_err());
    }

    #[test]
    fn the_code_is_found_in_the_fragment() {
        assert_eq!(code_in_fragment("#t=abc"), Some("abc"));
        assert_eq!(code_in_fragment("#x=1&t=abc"), Some("abc"));
        assert_eq!(code_in_fragment(""), None);
    }
}
