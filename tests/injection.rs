//! Exports cannot inject: arbitrary strings in every string field that reaches an export, and
//! each exported format either refuses (naming the VM and the field) or reads back — with the
//! parser rules of the program that consumes it — to exactly the lines, options and blocks the
//! model has. DOT and Mermaid are read back by Graphviz and Mermaid themselves in
//! `tests/e2e/inject.test.js`; HCL by HashiCorp's parser in `tests/e2e/hcl.test.js`.

use hostplan::export::{proxmox, terraform};
use hostplan::model::pve::{storage_name, Format};
use hostplan::model::{Topology, Vm};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A conf as qemu-server's `parse_vm_config` reads it (`PVE::QemuServer`): lines split on
/// `\n`; blank lines skipped; `[name]` starts a snapshot or other section; `#…` is the
/// description; everything else must match `^([a-z][a-z_\-]*\d*):\s*(.+?)\s*$`. `\r` anywhere
/// is refused as qemu-server's `check_type` refuses it ("property contains a line feed").
fn parse_conf(text: &str) -> Result<(Vec<String>, BTreeMap<String, String>), String> {
    let mut comments = Vec::new();
    let mut keys = BTreeMap::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            continue;
        }
        if line.contains('\r') {
            return Err(format!("carriage return in {line:?}"));
        }
        if line.starts_with('[') {
            return Err(format!("section header {line:?}"));
        }
        if let Some(c) = line.strip_prefix('#') {
            comments.push(c.to_owned());
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("no key in {line:?}"))?;
        let b = key.as_bytes();
        let letters = b.iter().take_while(|c| !c.is_ascii_digit()).count();
        let key_ok = !b.is_empty()
            && b[0].is_ascii_lowercase()
            && b[..letters]
                .iter()
                .all(|c| c.is_ascii_lowercase() || matches!(c, b'_' | b'-'))
            && b[letters..].iter().all(u8::is_ascii_digit);
        let value = value.trim();
        if !key_ok || value.is_empty() {
            return Err(format!("not a config line: {line:?}"));
        }
        if keys.insert(key.to_owned(), value.to_owned()).is_some() {
            return Err(format!("key `{key}` twice"));
        }
    }
    Ok((comments, keys))
}

/// The lines the conf of `vm` must have, computed from the model alone.
fn expected_conf(t: &Topology, vm: &Vm) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_owned(), v);
    };
    if vm.agent {
        put("agent", "1".into());
    }
    if let Some(b) = vm.balloon_mib {
        put("balloon", b.to_string());
    }
    if !vm.boot_storage.is_empty() {
        put("boot", "order=scsi0".into());
        put(
            "scsi0",
            format!(
                "{}:vm-{}-disk-0,size={}G",
                storage_name(&vm.boot_storage),
                vm.vmid,
                vm.boot_disk_gb
            ),
        );
    }
    if vm.cores > 0 {
        put("cores", vm.cores.to_string());
    }
    if !vm.cpu_type.is_empty() {
        put("cpu", vm.cpu_type.clone());
    }
    for h in &vm.hostpci {
        let mut parts = vec![match (&h.mapping, &h.host, &h.device) {
            (Some(m), _, _) => format!("mapping={m}"),
            (None, Some(a), _) => a.clone(),
            (None, None, Some(d)) => t
                .devices
                .iter()
                .find(|x| &x.id == d)
                .map(|x| x.address.clone())
                .unwrap_or_default(),
            _ => String::new(),
        }];
        if h.pcie {
            parts.push("pcie=1".into());
        }
        if !h.rombar {
            parts.push("rombar=0".into());
        }
        if h.x_vga {
            parts.push("x-vga=1".into());
        }
        put(&format!("hostpci{}", h.index), parts.join(","));
    }
    if !vm.machine.is_empty() {
        put("machine", vm.machine.clone());
    } else if vm.hostpci.iter().any(|h| h.pcie) {
        put("machine", "q35".into());
    }
    if vm.memory_mib > 0 {
        put("memory", vm.memory_mib.to_string());
    }
    put("name", hostplan::model::pve::vm_name(&vm.id));
    for (i, n) in vm.nics.iter().filter(|n| n.device.is_none()).enumerate() {
        let mut parts = vec![
            "virtio".to_owned(),
            format!("bridge={}", n.bridge.clone().unwrap_or_default()),
        ];
        if let Some(v) = t
            .networks
            .iter()
            .find(|x| x.id == n.network)
            .and_then(|x| x.vlan)
        {
            parts.push(format!("tag={v}"));
        }
        if let Some(mtu) = n.mtu {
            parts.push(format!("mtu={mtu}"));
        }
        put(&format!("net{i}"), parts.join(","));
    }
    put("onboot", u8::from(vm.onboot).to_string());
    let s = &vm.startup;
    let startup: Vec<String> = [("order", s.order), ("up", s.up), ("down", s.down)]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
        .collect();
    if !startup.is_empty() {
        put("startup", startup.join(","));
    }
    m
}

/// Strings that try every way out of a line, an option list, a label or a block.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z0-9\n\r,=:;# \"%{}$\\\\.`\\[\\]<>-]{0,14}",
        Just("host\nhookscript: local:snippets/pwn.pl".to_owned()),
        Just("q35\nargs: -monitor tcp:0.0.0.0:4444,server,nowait".to_owned()),
        Just("HBA,driver=keep".to_owned()),
        Just("local:iso/evil.iso,media=cdrom".to_owned()),
        Just("日本語".to_owned()),
        Just("-..-".to_owned()),
        Just("x\"}\nresource \"null_resource\" \"pwn\" {".to_owned()),
        Just("${file(\"/etc/passwd\")}%{if 1}".to_owned()),
        Just("vmbr0\u{2028}args: x".to_owned()),
    ]
}

/// Keep the seed's value or put a hostile string in its place.
fn maybe(original: String) -> impl Strategy<Value = String> {
    prop_oneof![8 => Just(original), 1 => hostile()]
}

/// The seed with hostile strings in every field that reaches a Proxmox conf or a Terraform
/// file: VM ids, CPU and machine types, boot storages, bridges, mapping names and raw
/// addresses, device addresses, host ids, storage ids.
fn arb_topology() -> impl Strategy<Value = Topology> {
    let seed = hostplan::examples::seed().unwrap();
    let mut fields = Vec::new();
    for vm in &seed.vms {
        fields.push(vm.id.clone());
        fields.push(vm.cpu_type.clone());
        fields.push(vm.machine.clone());
        fields.push(vm.boot_storage.clone());
        for n in &vm.nics {
            fields.push(n.bridge.clone().unwrap_or_default());
        }
        for h in &vm.hostpci {
            fields.push(h.mapping.clone().unwrap_or_default());
        }
    }
    for m in &seed.mappings {
        fields.push(m.id.clone());
    }
    for d in &seed.devices {
        fields.push(d.address.clone());
    }
    for s in &seed.storages {
        fields.push(s.id.clone());
    }
    let strategies: Vec<_> = fields.into_iter().map(maybe).collect();
    (strategies, any::<bool>()).prop_map(move |(values, raw_host)| {
        let mut t = seed.clone();
        let mut it = values.into_iter();
        let mut next = || it.next().unwrap_or_default();
        for vm in &mut t.vms {
            vm.id = next();
            vm.cpu_type = next();
            vm.machine = next();
            vm.boot_storage = next();
            for n in &mut vm.nics {
                let b = next();
                if n.bridge.is_some() {
                    n.bridge = Some(b);
                }
            }
            for h in &mut vm.hostpci {
                let m = next();
                if h.mapping.is_some() {
                    if raw_host {
                        // The raw-address form carries the hostile string instead.
                        h.mapping = None;
                        h.host = Some(m);
                    } else {
                        h.mapping = Some(m);
                    }
                }
            }
        }
        for m in &mut t.mappings {
            m.id = next();
        }
        for d in &mut t.devices {
            d.address = next();
        }
        for s in &mut t.storages {
            s.id = next();
        }
        t
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The Proxmox conf: refused with the VM and field named, or exactly the model's lines.
    #[test]
    fn proxmox_confs_cannot_be_injected(t in arb_topology()) {
        let clean = !hostplan::validate::validate(&t)
            .iter()
            .any(|d| d.severity == hostplan::diag::Severity::Error);
        for vm in &t.vms {
            match proxmox::vm_conf(&t, vm) {
                Ok(text) => {
                    let (comments, keys) = parse_conf(&text)
                        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
                    prop_assert_eq!(comments.len(), 1, "{}", text);
                    prop_assert_eq!(&keys, &expected_conf(&t, vm), "{}", text);
                }
                Err(e) => {
                    prop_assert!(!clean, "a valid topology was refused: {}", e);
                    prop_assert_eq!(&e.vm, &vm.id);
                    let known = ["id", "cpu_type", "machine", "boot_storage"];
                    prop_assert!(
                        known.contains(&e.field.as_str())
                            || e.field.starts_with("hostpci[")
                            || e.field.starts_with("nics["),
                        "{}", e
                    );
                }
            }
        }
    }

    /// Validation catches every value the conf exporter would refuse, so a topology that
    /// validates always exports.
    #[test]
    fn valid_topologies_always_export(t in arb_topology()) {
        let errors: Vec<_> = hostplan::validate::validate(&t)
            .into_iter()
            .filter(|d| d.severity == hostplan::diag::Severity::Error)
            .collect();
        if errors.is_empty() {
            prop_assert!(proxmox::export(&t).is_ok());
            prop_assert!(terraform::hcl_resources(&t).is_ok());
        }
    }

    /// bpg resources: HCL that parses, one block per VM and mapping, and each string exactly
    /// the model's (Terraform reads `$${` and `%%{` as the literal `${` and `%{`).
    #[test]
    fn hcl_resources_cannot_be_injected(t in arb_topology()) {
        let Ok(text) = terraform::hcl_resources(&t) else { return Ok(()) };
        let body: hcl::Body = hcl::parse(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let blocks: Vec<&hcl::Block> = body.blocks().collect();
        prop_assert_eq!(blocks.len(), t.vms.len() + t.mappings.len(), "{}", text);
        prop_assert_eq!(body.attributes().count(), 0);
        let names: BTreeSet<String> = blocks
            .iter()
            .filter_map(|b| {
                b.body.attributes().find(|a| a.key.as_str() == "name").map(|a| literal(&a.expr))
            })
            .collect();
        let expected: BTreeSet<String> = t
            .vms
            .iter()
            .map(|v| hostplan::model::pve::vm_name(&v.id))
            .chain(t.mappings.iter().map(|m| m.id.clone()))
            .collect();
        prop_assert_eq!(names, expected, "{}", text);
    }
}

/// The string an HCL expression stands for. hcl-rs's parser has already undone Terraform's
/// template escapes (`$${`, `%%{`) in a plain string; anything else (a template with a real
/// interpolation or directive) is an injection and is returned as its debug form, which no
/// model value equals. (Undoing the escapes again here lost a `%` from an id holding `%%{`.)
fn literal(e: &hcl::Expression) -> String {
    match e {
        hcl::Expression::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// A change to the seed.
type Mutation = fn(&mut Topology);

#[test]
fn formats_named_by_the_issue_are_refused_at_validation() {
    let seed = hostplan::examples::seed().unwrap();
    let cases: [(&str, Mutation); 6] = [
        ("vms[0].cpu_type", |t| {
            t.vms[0].cpu_type = "host\nhookscript: local:snippets/pwn.pl".into();
        }),
        ("vms[0].machine", |t| {
            t.vms[0].machine = "q35\nargs: -monitor tcp:0.0.0.0:4444,server,nowait".into();
        }),
        ("hosts[0].bridges[0].name", |t| {
            t.hosts[0].bridges[0].name = "vmbr0\nargs: x".into();
        }),
        ("mappings[0].id", |t| {
            t.mappings[0].id = "HBA,driver=keep".into();
        }),
        ("storages[0].id", |t| {
            t.storages[0].id = "local:iso/evil.iso,media=cdrom".into();
        }),
        ("vms[0].id", |t| t.vms[0].id = "日本語".into()),
    ];
    for (path, mutate) in cases {
        let mut t = seed.clone();
        mutate(&mut t);
        let found = hostplan::validate::validate(&t).into_iter().any(|d| {
            d.code == hostplan::diag::Code::InvalidFormat
                && d.severity == hostplan::diag::Severity::Error
                && d.path.to_string() == path
        });
        assert!(found, "no invalid-format error at {path}");
    }
    // The seed itself, and a Proxmox-valid CPU or machine, raise nothing.
    assert!(hostplan::validate::validate(&seed).is_empty());
    assert!(Format::Machine.accepts("pc-q35-9.2+pve1,viommu=virtio"));
}
