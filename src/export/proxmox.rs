//! Proxmox VM configuration lines (`/etc/pve/qemu-server/<vmid>.conf`, or `qm set` options).

use super::Devices;
use crate::diag::Quoted;
use crate::model::pci::PciAddress;
use crate::model::pve::{self, Format};
use crate::model::{HostPci, Topology, Vm};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// A value the conf cannot carry safely: it would break its line or its option list (or it is
/// missing where a line needs it). The export of that VM stops rather than write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    /// The VM's id.
    pub vm: String,
    /// The model field, as a path below the VM (`cpu_type`, `nics[0].bridge`…).
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VM `{}`: `{}` cannot be written to its Proxmox conf: {}",
            self.vm, self.field, self.problem
        )
    }
}

impl std::error::Error for ConfError {}

/// Every VM that could not be exported, at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfErrors(pub Vec<ConfError>);

impl fmt::Display for ConfErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::write_lines(f, &self.0)
    }
}

impl std::error::Error for ConfErrors {}

/// Checks each value before it reaches a line: the defence in depth behind validation.
struct Guard<'a> {
    vm: &'a Vm,
}

impl Guard<'_> {
    fn error(&self, field: impl Into<String>, problem: impl Into<String>) -> ConfError {
        ConfError {
            vm: self.vm.id.clone(),
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// `value` if it has Proxmox's `format`.
    fn format<'v>(
        &self,
        field: &str,
        format: Format,
        value: &'v str,
    ) -> Result<&'v str, ConfError> {
        format
            .check(value)
            .map(|()| value)
            .map_err(|e| self.error(field, e.to_string()))
    }

    /// A PCI address list (`;`-separated) written as given, when every part is an address made
    /// of hex digits, `:` and `.` only.
    fn addresses<'v>(&self, field: &str, value: &'v str) -> Result<&'v str, ConfError> {
        let ok = !value.is_empty()
            && value.split(';').all(|part| {
                part.bytes()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.'))
                    && PciAddress::parse(part).is_ok()
            });
        if ok {
            Ok(value)
        } else {
            Err(self.error(
                field,
                format!(
                    "{} is not a PCI address list like `0000:01:00.0` or `01:00;02:00`",
                    Quoted(value)
                ),
            ))
        }
    }
}

/// The config lines of one VM of `t` that hostplan models, in Proxmox's own (alphabetical) key
/// order. A hostpci entry naming a hostplan device is written as that device's address; the
/// virtio NICs get their network's VLAN as `tag=`; `machine: q35` is written where a `pcie=1`
/// entry needs it and the model names no machine (qemu-server refuses `pcie=1` on i440fx).
/// Unset values (no cores, no CPU type, no memory) are left out, so Proxmox's defaults apply.
///
/// # Errors
/// The first value that is not in the format Proxmox requires, or that names nothing (a NIC
/// without a bridge, a device not in `t`): nothing is guessed and no line can be injected.
pub fn vm_conf(t: &Topology, vm: &Vm) -> Result<String, ConfError> {
    vm_conf_with(t, &Devices::new(t), vm)
}

/// [`vm_conf`] with the device index built once for a whole export.
fn vm_conf_with(t: &Topology, devices: &Devices<'_>, vm: &Vm) -> Result<String, ConfError> {
    let g = Guard { vm };
    let name = pve::vm_name(&vm.id);
    g.format("id", Format::DnsName, &name)?;
    let known = |field: &str| !vm.is_unknown(field);
    if !known("vmid") {
        return Err(g.error("vmid", "is not known, and the conf file is named by it"));
    }
    if !known("boot_storage") && !vm.boot_storage.is_empty() {
        return Err(g.error(
            "boot_storage",
            "is not known, and the boot disk's line needs it",
        ));
    }
    let mut out = String::new();
    // A comment line: the id's own line breaks must not end it.
    let comment: String = vm
        .id
        .chars()
        .map(|c| {
            if c.is_control() || is_line_break(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    let _ = writeln!(out, "# {comment} (hostplan)");
    if vm.agent && known("agent") {
        let _ = writeln!(out, "agent: 1");
    }
    if let Some(b) = vm.balloon_mib.filter(|_| known("balloon_mib")) {
        let _ = writeln!(out, "balloon: {b}");
    }
    let mut boot_line = String::new();
    let boot_slot = vm.boot_interface.as_deref().unwrap_or("scsi0");
    if !crate::model::is_disk_slot(boot_slot) {
        return Err(g.error(
            "boot_interface",
            format!("{} is not a disk slot", Quoted(boot_slot)),
        ));
    }
    if !vm.boot_storage.is_empty() {
        let _ = writeln!(out, "boot: order={boot_slot}");
    }
    if vm.cores > 0 && known("cores") {
        let _ = writeln!(out, "cores: {}", vm.cores);
    }
    if !vm.cpu_type.is_empty() && known("cpu_type") {
        let cpu = g.format("cpu_type", Format::CpuType, &vm.cpu_type)?;
        let _ = writeln!(out, "cpu: {cpu}");
    }
    for (j, h) in vm.hostpci.iter().enumerate() {
        let _ = writeln!(
            out,
            "hostpci{}: {}",
            h.index,
            hostpci_value(devices, &g, j, h)?
        );
    }
    // Unknown: no line (Proxmox's default applies, which may not be what the VM has).
    if let Some(features) = &vm.hotplug {
        if let Some((j, f)) = features
            .iter()
            .enumerate()
            .find(|(_, f)| !pve::HOTPLUG_FEATURES.contains(&f.as_str()))
        {
            return Err(g.error(
                format!("hotplug[{j}]"),
                format!("{} is not a hotplug feature", Quoted(f)),
            ));
        }
        let value = if features.is_empty() {
            "0".to_owned()
        } else {
            features.join(",")
        };
        let _ = writeln!(out, "hotplug: {value}");
    }
    // Unknown: no line, and no q35 guessed either.
    let machine = super::machine_of(vm);
    if known("machine") && !machine.is_empty() {
        let machine = g.format("machine", Format::Machine, &machine)?;
        let _ = writeln!(out, "machine: {machine}");
    }
    if vm.memory_mib > 0 && known("memory_mib") {
        let _ = writeln!(out, "memory: {}", vm.memory_mib);
    }
    let _ = writeln!(out, "name: {name}");
    for (i, line) in nic_values(t, &g)?.into_iter().enumerate() {
        let _ = writeln!(out, "net{i}: {line}");
    }
    if known("onboot") {
        let _ = writeln!(out, "onboot: {}", u8::from(vm.onboot));
    }
    let mut startup = Vec::new();
    if let Some(o) = vm.startup.order {
        startup.push(format!("order={o}"));
    }
    if let Some(u) = vm.startup.up {
        startup.push(format!("up={u}"));
    }
    if let Some(d) = vm.startup.down {
        startup.push(format!("down={d}"));
    }
    if !vm.boot_storage.is_empty() {
        boot_line = boot_disk_line(&g, boot_slot, known("boot_disk_gb"))?;
    }
    for (j, raw) in vm.raw_disks.iter().enumerate() {
        if !crate::model::is_disk_slot(&raw.slot) {
            return Err(g.error(
                format!("raw_disks[{j}].slot"),
                format!("{} is not a disk slot", Quoted(&raw.slot)),
            ));
        }
        if !crate::model::is_device_path(&raw.path) {
            return Err(g.error(
                format!("raw_disks[{j}].path"),
                format!(
                    "{} is not a /dev/ path a conf line can carry",
                    Quoted(&raw.path)
                ),
            ));
        }
        let _ = writeln!(out, "{}: {}", raw.slot, raw.path);
    }
    if !boot_line.is_empty() {
        let _ = writeln!(out, "{boot_line}");
    }
    if !startup.is_empty() && known("startup") {
        let _ = writeln!(out, "startup: {}", startup.join(","));
    }
    Ok(sorted_keys(&out))
}

/// The value of one `hostpci<N>:` line: the mapping, the address or the device's address,
/// then the flags that differ from Proxmox's defaults.
fn hostpci_value(
    devices: &Devices<'_>,
    g: &Guard<'_>,
    j: usize,
    entry: &HostPci,
) -> Result<String, ConfError> {
    let field = |k: &str| format!("hostpci[{j}].{k}");
    let mut parts = Vec::new();
    if let Some(m) = &entry.mapping {
        let m = g.format(&field("mapping"), Format::ConfigId, m)?;
        parts.push(format!("mapping={m}"));
    } else if let Some(addr) = &entry.host {
        parts.push(g.addresses(&field("host"), addr)?.to_owned());
    } else if let Some(d) = &entry.device {
        let dev = devices
            .get(d, &g.vm.host)
            .ok_or_else(|| g.error(field("device"), format!("names no device (`{d}`)")))?;
        parts.push(g.addresses(&field("device"), &dev.address)?.to_owned());
    } else {
        return Err(g.error(
            format!("hostpci[{j}]"),
            "names no device, mapping or address",
        ));
    }
    if entry.pcie {
        parts.push("pcie=1".into());
    }
    if !entry.rombar {
        parts.push("rombar=0".into());
    }
    if entry.x_vga {
        parts.push("x-vga=1".into());
    }
    Ok(parts.join(","))
}

/// The values of the `net<N>:` lines: one per virtio NIC (a passed-through NIC is a hostpci
/// entry instead), with the bridge, the VLAN tag of its network and its MTU.
fn nic_values(t: &Topology, g: &Guard<'_>) -> Result<Vec<String>, ConfError> {
    let vlans: BTreeMap<&str, u16> = t
        .networks
        .iter()
        .filter_map(|n| n.vlan.map(|v| (n.id.as_str(), v)))
        .collect();
    let mut out = Vec::new();
    for (j, n) in
        g.vm.nics
            .iter()
            .enumerate()
            .filter(|(_, n)| n.device.is_none())
    {
        let field = format!("nics[{j}].bridge");
        let bridge = n
            .bridge
            .as_deref()
            .ok_or_else(|| g.error(&field, "a virtio NIC needs a bridge"))?;
        let bridge = g.format(&field, Format::BridgeId, bridge)?;
        let mut parts = vec!["virtio".to_owned(), format!("bridge={bridge}")];
        if let Some(vlan) = vlans.get(n.network.as_str()) {
            parts.push(format!("tag={vlan}"));
        }
        if let Some(mtu) = n.mtu {
            parts.push(format!("mtu={mtu}"));
        }
        out.push(parts.join(","));
    }
    Ok(out)
}

/// The boot disk's line: `<slot>: <storage>:<volume>[,size=<N>G]`.
fn boot_disk_line(g: &Guard<'_>, slot: &str, size_known: bool) -> Result<String, ConfError> {
    let vm = g.vm;
    let storage = g.format(
        "boot_storage",
        Format::StorageId,
        pve::storage_name(&vm.boot_storage),
    )?;
    let volume = vm
        .boot_volume
        .clone()
        .unwrap_or_else(|| format!("vm-{}-disk-0", vm.vmid));
    if !crate::model::is_volume_name(&volume) {
        return Err(g.error(
            "boot_volume",
            format!(
                "{} is not a volume name a conf line can carry",
                Quoted(&volume)
            ),
        ));
    }
    let mut line = format!("{slot}: {storage}:{volume}");
    if size_known {
        let _ = write!(line, ",size={}G", vm.boot_disk_gb);
    }
    Ok(line)
}

/// The conf with its keys sorted as Proxmox writes them (qemu-server's `write_vm_config`),
/// whatever the disk slots are; the comment line stays first.
fn sorted_keys(conf: &str) -> String {
    let mut lines: Vec<&str> = conf.lines().collect();
    let comment = lines.remove(0);
    crate::sort::sort_by_key(&mut lines, |l| l.split_once(':').map_or(*l, |(k, _)| k));
    let mut sorted = String::with_capacity(conf.len());
    for l in std::iter::once(comment).chain(lines) {
        sorted.push_str(l);
        sorted.push('\n');
    }
    sorted
}

/// Characters that end a line for some reader: Proxmox splits on `\n`, editors on the rest.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Every VM's config, as `(file name, text)`: `<vmid>.conf`.
///
/// # Errors
/// Every VM whose conf could not be written safely ([`vm_conf`]); nothing is returned then, so
/// a caller never writes some files of an export and not the others.
pub fn export(t: &Topology) -> Result<Vec<(String, String)>, ConfErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let devices = Devices::new(t);
    for vm in &t.vms {
        match vm_conf_with(t, &devices, vm) {
            Ok(text) => files.push((format!("{}.conf", vm.vmid), text)),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(ConfErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_truenas_conf_matches_the_seed() {
        let t = crate::examples::seed().unwrap();
        let conf = super::vm_conf(&t, &t.vms[0]).unwrap();
        for line in [
            "hostpci0: mapping=HBA,pcie=1,rombar=0",
            "hostpci1: mapping=NIC1,pcie=1",
            "balloon: 0",
            "machine: q35",
            "memory: 32768",
            "cores: 6",
            "cpu: host",
            "onboot: 1",
            "name: truenas",
        ] {
            assert!(
                conf.lines().any(|l| l == line),
                "missing `{line}` in\n{conf}"
            );
        }
        assert!(!conf.contains("startup:"), "the seed sets no startup order");
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(crate::model::pve::vm_name("a b\"c\n"), "a-b-c");
    }
}
