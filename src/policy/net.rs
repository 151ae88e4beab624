//! OPA's `net.cidr_*` builtins, written here because regorus builds its own `net` module only
//! with `std`, which pulls a random source the browser's wasm32 has no backend for — and a
//! builtin that exists natively but not in the browser would make a policy mean different
//! things in CI and in a planning session. Parsing uses `core::net`, so both builds run this.
//!
//! The semantics follow OPA's documentation of each builtin
//! (<https://www.openpolicyagent.org/docs/policy-reference/builtins/net>): a CIDR's host bits
//! may be set (`10.0.0.1/8` is valid, as Go's `net.ParseCIDR` accepts it), a bare address
//! counts as a /32 or /128 where a CIDR or IP is accepted, and IPv4 and IPv6 never contain or
//! overlap each other (an IPv4-mapped IPv6 address, `::ffff:10.1.2.3`, counts as IPv4, as in
//! Go). `net.lookup_ip_addr` is left out: it would be I/O.

use core::net::IpAddr;
use regorus::Value;
use std::collections::BTreeSet;

/// The builtins this module provides, with their number of arguments.
pub const BUILTINS: &[(&str, u8)] = &[
    ("net.cidr_contains", 2),
    ("net.cidr_contains_matches", 2),
    ("net.cidr_expand", 1),
    ("net.cidr_intersects", 2),
    ("net.cidr_is_valid", 1),
    ("net.cidr_merge", 1),
];

/// Most addresses one `net.cidr_expand` may list (a /0 would be four billion), the same bound
/// as `numbers.range`.
pub const MAX_EXPAND: u128 = super::guard::MAX_RANGE as u128;

/// A block of addresses: the first address as a number, its width in bits (32 or 128) and
/// its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Block {
    bits: u32,
    first: u128,
    prefix: u32,
}

impl Block {
    fn last(self) -> u128 {
        let host_bits = self.bits - self.prefix;
        if host_bits == 128 {
            u128::MAX
        } else {
            self.first | ((1u128 << host_bits) - 1)
        }
    }

    /// How many addresses the block holds (a /0 of IPv6 saturates at `u128::MAX`).
    fn count(self) -> u128 {
        (self.last() - self.first).saturating_add(1)
    }

    fn contains(self, other: Block) -> bool {
        self.bits == other.bits
            && self.prefix <= other.prefix
            && self.first <= other.first
            && other.last() <= self.last()
    }

    fn overlaps(self, other: Block) -> bool {
        self.bits == other.bits && self.first <= other.last() && other.first <= self.last()
    }
}

/// An address as a number and its width; an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is
/// the IPv4 address, as Go's `net.IP` (and so OPA) treats it.
fn number(addr: IpAddr) -> (u128, u32) {
    match addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => (u128::from(u32::from(v4)), 32),
            None => (u128::from(a), 128),
        },
    }
}

fn address(value: u128, bits: u32) -> String {
    if bits == 32 {
        // Only called with values taken from a 32-bit block.
        core::net::Ipv4Addr::from(u32::try_from(value).unwrap_or(u32::MAX)).to_string()
    } else {
        core::net::Ipv6Addr::from(value).to_string()
    }
}

/// `addr/len`, with the host bits cleared; `None` when it is not a CIDR.
fn parse_cidr(text: &str) -> Option<Block> {
    let (addr, len) = text.split_once('/')?;
    // Go's parser takes decimal digits only, without a sign or a leading zero.
    if len.is_empty()
        || !len.bytes().all(|b| b.is_ascii_digit())
        || (len.len() > 1 && len.starts_with('0'))
    {
        return None;
    }
    let parsed = addr.parse::<IpAddr>().ok()?;
    let prefix: u32 = len.parse().ok()?;
    // An IPv4-mapped IPv6 block (`::ffff:10.0.0.0/104`) is the IPv4 block it maps, as Go (and
    // so OPA) reads it; one wider than the mapped range stays IPv6.
    let (value, bits, prefix) = match parsed {
        IpAddr::V6(a) if a.to_ipv4_mapped().is_none() || prefix < 96 => {
            (u128::from(a), 128, prefix)
        }
        IpAddr::V6(_) => (number(parsed).0, 32, prefix - 96),
        IpAddr::V4(_) => (number(parsed).0, 32, prefix),
    };
    if prefix > bits {
        return None;
    }
    let host_bits = bits - prefix;
    let first = if host_bits == 128 {
        0
    } else {
        value & !((1u128 << host_bits) - 1)
    };
    Some(Block {
        bits,
        first,
        prefix,
    })
}

/// A CIDR, or a bare address as the block of that one address.
fn parse_cidr_or_ip(text: &str) -> Option<Block> {
    if text.contains('/') {
        return parse_cidr(text);
    }
    let (first, bits) = number(text.parse::<IpAddr>().ok()?);
    Some(Block {
        bits,
        first,
        prefix: bits,
    })
}

fn string<'a>(builtin: &str, v: &'a Value) -> anyhow::Result<&'a str> {
    match v {
        Value::String(s) => Ok(s),
        _ => anyhow::bail!("{builtin}: operand must be a string"),
    }
}

fn cidr(builtin: &str, v: &Value) -> anyhow::Result<Block> {
    let s = string(builtin, v)?;
    parse_cidr(s).ok_or_else(|| anyhow::anyhow!("{builtin}: invalid CIDR address: {s}"))
}

fn cidr_or_ip(builtin: &str, v: &Value) -> anyhow::Result<Block> {
    let s = string(builtin, v)?;
    parse_cidr_or_ip(s).ok_or_else(|| anyhow::anyhow!("{builtin}: invalid CIDR or IP address: {s}"))
}

/// Run one of [`BUILTINS`] on its arguments.
///
/// # Errors
/// A message naming the builtin when an argument is not what it takes.
pub fn call(name: &str, args: &[Value]) -> anyhow::Result<Value> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Undefined);
    match name {
        "net.cidr_is_valid" => Ok(Value::from(
            matches!(arg(0), Value::String(s) if parse_cidr(s).is_some()),
        )),
        "net.cidr_contains" => {
            let outer = cidr(name, arg(0))?;
            Ok(Value::from(outer.contains(cidr_or_ip(name, arg(1))?)))
        }
        "net.cidr_intersects" => {
            let (a, b) = (cidr(name, arg(0))?, cidr(name, arg(1))?);
            Ok(Value::from(a.overlaps(b)))
        }
        "net.cidr_expand" => expand(name, cidr(name, arg(0))?),
        "net.cidr_merge" => merge(name, arg(0)),
        "net.cidr_contains_matches" => contains_matches(name, arg(0), arg(1)),
        _ => anyhow::bail!("{name} is not a net builtin"),
    }
}

/// Why `net.cidr_expand` of this argument asks for too much (checked at load time for a
/// constant argument, and again when the call runs), or `None`.
pub fn expand_excess(arg: &Value) -> Option<String> {
    let Value::String(s) = arg else { return None };
    let count = parse_cidr(s)?.count();
    (count > MAX_EXPAND).then(|| {
        format!("net.cidr_expand would list {count} addresses; the limit is {MAX_EXPAND} per call")
    })
}

fn expand(name: &str, block: Block) -> anyhow::Result<Value> {
    let count = block.count();
    if count > MAX_EXPAND {
        anyhow::bail!("{name} would list {count} addresses; the limit is {MAX_EXPAND} per call");
    }
    let hosts: BTreeSet<Value> = (block.first..=block.last())
        .map(|a| Value::from(address(a, block.bits)))
        .collect();
    Ok(Value::from(hosts))
}

/// The smallest set of CIDRs covering exactly the given CIDRs and addresses.
fn merge(name: &str, addrs: &Value) -> anyhow::Result<Value> {
    let items: Vec<&Value> = match addrs {
        Value::Array(a) => a.iter().collect(),
        Value::Set(s) => s.iter().collect(),
        _ => anyhow::bail!("{name}: operand must be an array or a set of strings"),
    };
    let mut blocks = Vec::with_capacity(items.len());
    for item in items {
        blocks.push(cidr_or_ip(name, item)?);
    }
    // Per family, sorted by first address: join what overlaps or touches into ranges, then
    // cut each range into the largest aligned blocks.
    blocks.sort_unstable();
    let mut ranges: Vec<(u32, u128, u128)> = Vec::new();
    for b in blocks {
        match ranges.last_mut() {
            Some((bits, _, end))
                if *bits == b.bits && (b.first <= *end || b.first == end.saturating_add(1)) =>
            {
                *end = (*end).max(b.last());
            }
            _ => ranges.push((b.bits, b.first, b.last())),
        }
    }
    let mut out = BTreeSet::new();
    for (bits, mut start, end) in ranges {
        loop {
            // The largest block starting at `start` that stays within the range.
            let mut host_bits = if start == 0 {
                bits
            } else {
                start.trailing_zeros().min(bits)
            };
            while host_bits > 0 && (host_bits >= 128 || start + ((1u128 << host_bits) - 1) > end) {
                if host_bits == 128 && end == u128::MAX {
                    break;
                }
                host_bits -= 1;
            }
            let block = Block {
                bits,
                first: start,
                prefix: bits - host_bits,
            };
            out.insert(Value::from(format!(
                "{}/{}",
                address(start, bits),
                block.prefix
            )));
            let last = block.last();
            if last >= end {
                break;
            }
            start = last + 1;
        }
    }
    Ok(Value::from(out))
}

/// The CIDR each element of a collection stands for, and the key a match reports it by: an
/// array's index, a set's element, an object's key, or a lone string itself. An element may
/// be a string or an array whose first item is the CIDR (the rest is the caller's data).
fn members(name: &str, v: &Value) -> anyhow::Result<Vec<(Block, Value)>> {
    let cidr_of = |e: &Value| -> anyhow::Result<Block> {
        match e {
            Value::String(_) => cidr_or_ip(name, e),
            Value::Array(a) => match a.iter().next() {
                Some(first) => cidr_or_ip(name, first),
                None => anyhow::bail!("{name}: operand elements must be non-empty"),
            },
            _ => anyhow::bail!("{name}: operand elements must be strings or arrays"),
        }
    };
    Ok(match v {
        Value::String(_) => vec![(cidr_of(v)?, v.clone())],
        Value::Array(a) => {
            let mut out = Vec::new();
            for (i, e) in a.iter().enumerate() {
                out.push((
                    cidr_of(e)?,
                    Value::from(u64::try_from(i).unwrap_or(u64::MAX)),
                ));
            }
            out
        }
        Value::Set(s) => {
            let mut out = Vec::new();
            for e in s.iter() {
                out.push((cidr_of(e)?, e.clone()));
            }
            out
        }
        Value::Object(o) => {
            let mut out = Vec::new();
            for (k, e) in o.iter() {
                out.push((cidr_of(e)?, k.clone()));
            }
            out
        }
        _ => anyhow::bail!("{name}: operand must be a string, an array, a set or an object"),
    })
}

fn contains_matches(name: &str, cidrs: &Value, candidates: &Value) -> anyhow::Result<Value> {
    let outer = members(name, cidrs)?;
    let inner = members(name, candidates)?;
    let mut out = BTreeSet::new();
    for (a, ka) in &outer {
        for (b, kb) in &inner {
            if a.contains(*b) {
                out.insert(Value::from(vec![ka.clone(), kb.clone()]));
            }
        }
    }
    Ok(Value::from(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::call;
    use regorus::Value;

    fn s(x: &str) -> Value {
        Value::from(x)
    }

    fn json(v: &Value) -> String {
        v.to_json_str().unwrap().split_whitespace().collect()
    }

    /// Each row: builtin, arguments as JSON, the expected result as compact JSON (sets are
    /// written as sorted arrays), or `!` and the start of the error.
    const ROWS: &[(&str, &str, &str)] = &[
        (
            "net.cidr_contains",
            r#"["127.0.0.1/24","127.0.0.64/26"]"#,
            "true",
        ),
        (
            "net.cidr_contains",
            r#"["127.0.0.1/24","127.0.0.1"]"#,
            "true",
        ),
        (
            "net.cidr_contains",
            r#"["127.0.0.1/24","127.0.1.1"]"#,
            "false",
        ),
        (
            "net.cidr_contains",
            r#"["10.0.0.0/8","10.0.0.0/7"]"#,
            "false",
        ),
        ("net.cidr_contains", r#"["fd00::/8","fd12::1"]"#, "true"),
        ("net.cidr_contains", r#"["fd00::/8","10.0.0.1"]"#, "false"),
        (
            "net.cidr_contains",
            r#"["10.0.0.0/8","::ffff:10.1.2.3"]"#,
            "true",
        ),
        (
            "net.cidr_contains",
            r#"["::ffff:10.0.0.0/104","10.1.2.3"]"#,
            "true",
        ),
        ("net.cidr_is_valid", r#"["::ffff:10.0.0.0/129"]"#, "false"),
        (
            "net.cidr_contains",
            r#"["0.0.0.0/0","255.255.255.255"]"#,
            "true",
        ),
        ("net.cidr_contains", r#"["::/0","ffff::1/128"]"#, "true"),
        (
            "net.cidr_contains",
            r#"["10.0.0.0","10.0.0.1"]"#,
            "!net.cidr_contains: invalid CIDR address: 10.0.0.0",
        ),
        (
            "net.cidr_contains",
            r#"["10.0.0.0/8","nope"]"#,
            "!net.cidr_contains: invalid CIDR or IP address: nope",
        ),
        (
            "net.cidr_intersects",
            r#"["192.168.0.0/16","192.168.1.0/24"]"#,
            "true",
        ),
        (
            "net.cidr_intersects",
            r#"["192.168.0.0/24","192.168.1.0/24"]"#,
            "false",
        ),
        (
            "net.cidr_intersects",
            r#"["fd00::/16","fd00:1::/32"]"#,
            "true",
        ),
        ("net.cidr_is_valid", r#"["10.0.0.1/8"]"#, "true"),
        ("net.cidr_is_valid", r#"["10.0.0.0/33"]"#, "false"),
        ("net.cidr_is_valid", r#"["10.0.0.0"]"#, "false"),
        ("net.cidr_is_valid", r#"["10.0.0.0/08"]"#, "false"),
        ("net.cidr_is_valid", r#"["fe80::/10"]"#, "true"),
        ("net.cidr_is_valid", "[42]", "false"),
        (
            "net.cidr_expand",
            r#"["192.168.0.0/30"]"#,
            r#"["192.168.0.0","192.168.0.1","192.168.0.2","192.168.0.3"]"#,
        ),
        ("net.cidr_expand", r#"["10.0.0.7/32"]"#, r#"["10.0.0.7"]"#),
        (
            "net.cidr_expand",
            r#"["2001:db8::/127"]"#,
            r#"["2001:db8::","2001:db8::1"]"#,
        ),
        (
            "net.cidr_expand",
            r#"["10.0.0.0/8"]"#,
            "!net.cidr_expand would list 16777216 addresses",
        ),
        (
            "net.cidr_expand",
            r#"["::/0"]"#,
            "!net.cidr_expand would list 340282366920938463463374607431768211455 addresses",
        ),
        (
            "net.cidr_merge",
            r#"[["192.0.128.0/24","192.0.129.0/24"]]"#,
            r#"["192.0.128.0/23"]"#,
        ),
        (
            "net.cidr_merge",
            r#"[["10.0.0.0","10.0.0.1","10.0.0.2"]]"#,
            r#"["10.0.0.0/31","10.0.0.2/32"]"#,
        ),
        (
            "net.cidr_merge",
            r#"[["10.0.0.0/8","10.1.0.0/16","fd00::/8","fd00::1"]]"#,
            r#"["10.0.0.0/8","fd00::/8"]"#,
        ),
        ("net.cidr_merge", r#"[["10.0.0.1/8"]]"#, r#"["10.0.0.0/8"]"#),
        (
            "net.cidr_merge",
            r#"[["0.0.0.0/1","128.0.0.0/1"]]"#,
            r#"["0.0.0.0/0"]"#,
        ),
        ("net.cidr_merge", r#"[["::/1","8000::/1"]]"#, r#"["::/0"]"#),
        (
            "net.cidr_merge",
            r#"[["10.0.0.3","10.0.0.4","10.0.0.5","10.0.0.6"]]"#,
            r#"["10.0.0.3/32","10.0.0.4/31","10.0.0.6/32"]"#,
        ),
        (
            "net.cidr_merge",
            r#"[["bad"]]"#,
            "!net.cidr_merge: invalid CIDR or IP address: bad",
        ),
        (
            "net.cidr_contains_matches",
            r#"[["1.1.1.0/24","1.1.2.0/24"],["1.1.1.128","1.1.2.1","2.2.2.2"]]"#,
            "[[0,0],[1,1]]",
        ),
        (
            "net.cidr_contains_matches",
            r#"["1.1.1.0/24",{"a":"1.1.1.1","b":["1.1.1.2","meta"],"c":"9.9.9.9"}]"#,
            r#"[["1.1.1.0/24","a"],["1.1.1.0/24","b"]]"#,
        ),
        (
            "net.cidr_contains_matches",
            r#"[[[]],"1.1.1.1"]"#,
            "!net.cidr_contains_matches: operand elements must be non-empty",
        ),
    ];

    #[test]
    fn answers_as_opa_documents() {
        for (name, args, want) in ROWS {
            let args = Value::from_json_str(args).unwrap();
            let args: Vec<Value> = args.as_array().unwrap().iter().cloned().collect();
            let got = call(name, &args);
            match want.strip_prefix('!') {
                Some(err) => {
                    let e = got.unwrap_err().to_string();
                    assert!(e.starts_with(err), "{name} {args:?}: {e}");
                }
                None => assert_eq!(json(&got.unwrap()), *want, "{name} {args:?}"),
            }
        }
    }

    #[test]
    fn a_set_operand_and_a_string_operand_report_their_own_keys() {
        let set = Value::from(std::collections::BTreeSet::from([s("10.0.0.0/8")]));
        let got = call("net.cidr_contains_matches", &[set, s("10.1.1.1")]).unwrap();
        assert_eq!(json(&got), r#"[["10.0.0.0/8","10.1.1.1"]]"#);
    }
}
