//! Importers against real command outputs from `../shared/real-inputs/` (kept outside the
//! repository: they are third-party fixtures).

use hostplan::import::zpool::parse;
use hostplan::model::{VdevLayout, VdevRole};

fn real(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/real-inputs")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the real inputs live in ../shared/real-inputs)",
            path.display()
        )
    })
}

/// A vdev as `(role, layout, member names)`.
type VdevSummary = (VdevRole, VdevLayout, Vec<String>);

/// `(pool, state, vdevs)` of every pool.
fn summary(text: &str) -> Vec<(String, String, Vec<VdevSummary>)> {
    parse(text)
        .into_iter()
        .map(|p| {
            (
                p.name,
                p.state,
                p.vdevs
                    .into_iter()
                    .map(|v| {
                        (
                            v.role,
                            v.layout,
                            v.devices.into_iter().map(|d| d.name).collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn mirrors_with_a_spare() {
    let got = summary(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-spares.out",
    ));
    assert_eq!(got.len(), 1);
    let (name, state, vdevs) = &got[0];
    assert_eq!((name.as_str(), state.as_str()), ("tank", "ONLINE"));
    assert_eq!(vdevs.len(), 5);
    assert_eq!(
        vdevs[0],
        (VdevRole::Data, VdevLayout::Mirror, s(&["sdh", "sdk"]))
    );
    assert_eq!(
        vdevs[3],
        (VdevRole::Data, VdevLayout::Mirror, s(&["sdg", "sdi"]))
    );
    assert_eq!(vdevs[4], (VdevRole::Spare, VdevLayout::Stripe, s(&["sdf"])));
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn several_pools_without_blank_lines_and_names_with_colons() {
    let got = summary(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-v.out",
    ));
    let names: Vec<&str> = got.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(names, ["zhgstera6", "zint500", "zsam53"]);
    assert_eq!(
        got[0].2,
        vec![(
            VdevRole::Data,
            VdevLayout::Stripe,
            s(&["726060ALE614-K8JAPRGN:10"])
        )]
    );
    assert_eq!(
        got[2].2,
        vec![(
            VdevRole::Data,
            VdevLayout::Stripe,
            s(&["Portable_SSD_T5-S49WNP0N120517B:8"])
        )]
    );
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn old_solaris_output_with_a_degraded_mirror() {
    let pools = parse(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-v2.out",
    ));
    assert_eq!(pools[0].state, "DEGRADED");
    let v = &pools[0].vdevs[0];
    assert_eq!(
        (v.layout, v.state.as_str()),
        (VdevLayout::Mirror, "DEGRADED")
    );
    assert_eq!(v.devices[1].name, "c1t1d0");
    assert_eq!(v.devices[1].state, "UNAVAIL");
    assert_eq!(v.devices[1].note, "cannot open");
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn an_unavailable_stripe() {
    let got = summary(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-v3.out",
    ));
    assert_eq!(got[0].1, "UNAVAIL");
    assert_eq!(
        got[0].2,
        vec![
            (VdevRole::Data, VdevLayout::Stripe, s(&["c1t0d0"])),
            (VdevRole::Data, VdevLayout::Stripe, s(&["c1t1d0"]))
        ]
    );
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn wwn_mirrors_after_a_multi_line_status() {
    let got = summary(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-v4.out",
    ));
    assert_eq!(got[0].2.len(), 2);
    assert_eq!(
        got[0].2[1],
        (
            VdevRole::Data,
            VdevLayout::Mirror,
            s(&["wwn-0x5000c500e39e8af6", "wwn-0x5000c500e3b3a41e"])
        )
    );
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn imported_pools_simulate_like_their_state_says() {
    use hostplan::import::zpool::to_topology;
    let pools = parse(&real(
        "zpool-status/jc/tests_fixtures_generic_zpool-status-v2.out",
    ));
    let (disks, pools, notes) = to_topology(&pools, "nas", "nas");
    let mut t = hostplan::model::Topology {
        schema_version: 1,
        disks,
        pools,
        ..Default::default()
    };
    t.hosts.push(hostplan::model::Host {
        id: "nas".into(),
        kind: hostplan::model::HostKind::BareMetal,
        ..Default::default()
    });
    // Valid; what `zpool status` does not show is unknown, and said so.
    let diags = hostplan::validate::validate(&t);
    assert!(
        diags
            .iter()
            .all(|d| d.code == hostplan::diag::Code::UnknownValue
                && d.severity == hostplan::diag::Severity::Warning),
        "{diags:#?}"
    );
    assert!(t
        .disks
        .iter()
        .all(|d| d.is_unknown("size_gb") && d.is_unknown("controller")));
    assert!(
        notes
            .iter()
            .any(|n| n.contains("c1t1d0 is UNAVAIL (cannot open)")),
        "{notes:?}"
    );
    // Failing the unavailable disk reproduces the DEGRADED state.
    let r = hostplan::sim::failure::simulate(&t, &["c1t1d0".into()]).unwrap();
    assert_eq!(r.state_of("tank"), hostplan::graph::State::Degraded);
}

#[test]
#[ignore = "reads the third-party outputs in ../shared/real-inputs (not in a plain clone); scripts/test runs it"]
fn lspci_records_become_devices() {
    use hostplan::import::lspci::{parse, to_devices};
    use hostplan::model::DeviceKind;
    let (records, notes) = parse(&real(
        "pci/jc_lspci/tests_fixtures_ubuntu-20.10_lspci-nnmmv.out",
    ));
    assert_eq!(records.len(), 47);
    let scsi = records
        .iter()
        .find(|r| r.address == "0000:00:10.0")
        .unwrap();
    assert_eq!(scsi.class, "0x0100");
    assert_eq!(scsi.vendor_device.as_deref(), Some("1000:0030"));
    assert_eq!(scsi.subsystem.as_deref(), Some("15ad:1976"));
    assert_eq!(
        scsi.model,
        "Broadcom / LSI 53c1030 PCI-X Fusion-MPT Dual Ultra320 SCSI"
    );
    assert!(notes.iter().any(|n| n.contains("Rev")), "{notes:?}");
    assert!(
        records.iter().any(|r| r.address == "00ff:02:05.0"),
        "an unpadded domain is padded"
    );
    let devices = to_devices(&records, "vm1");
    assert_eq!(
        devices
            .iter()
            .find(|d| d.address == "0000:00:10.0")
            .unwrap()
            .kind,
        DeviceKind::Hba
    );
    assert_eq!(
        devices
            .iter()
            .find(|d| d.address == "0000:00:0f.0")
            .unwrap()
            .kind,
        DeviceKind::Gpu
    );
    // The devices drop into a topology that validates.
    let mut t = hostplan::model::Topology {
        schema_version: 1,
        devices,
        ..Default::default()
    };
    t.hosts.push(hostplan::model::Host {
        id: "vm1".into(),
        ..Default::default()
    });
    assert_eq!(hostplan::validate::validate(&t), vec![]);
}

#[test]
fn lspci_with_iommu_groups_and_garbage() {
    use hostplan::import::lspci::parse;
    let (records, notes) = parse("Slot:\t0000:01:00.0\nClass:\tSerial Attached SCSI controller [0107]\nVendor:\tBroadcom / LSI [1000]\nDevice:\tSAS2008 [0072]\nIOMMUGroup:\t12\n\nSlot:\tnot-an-address\n\nnonsense\n");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].iommu_group, Some(12));
    assert!(notes.iter().any(|n| n.contains("not-an-address")));
    assert!(notes.iter().any(|n| n.contains("no Slot line")));
}

#[test]
fn a_conf_for_an_existing_vm_keeps_its_networks_when_the_vlan_tags_match() {
    use hostplan::import::{merge::merge, run, Format};
    let seed = hostplan::examples::seed().unwrap();
    // talos-w1 as Proxmox writes it: untagged on vmbr0 (the LAN) and tagged 50 (storage).
    let conf =
        "cores: 4\nmemory: 8192\nname: talos-w1\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n\
                net1: virtio=BC:24:11:00:00:02,bridge=vmbr0,tag=50\nonboot: 1\n";
    let imported = run(
        Format::ProxmoxConf,
        &[("211.conf".to_owned(), conf.to_owned())],
        Some("srv01"),
        None,
    )
    .unwrap();
    let (t, m) = merge(&seed, &imported.topology).unwrap();
    let w1 = t.vms.iter().find(|v| v.id == "talos-w1").unwrap();
    let nets: Vec<&str> = w1.nics.iter().map(|n| n.network.as_str()).collect();
    assert_eq!(nets, ["lan", "storage50"]);
    assert_eq!(w1.host, "srv01");
    assert!(
        m.networks
            .contains(&("vlan50".to_owned(), "storage50".to_owned())),
        "{:?}",
        m.networks
    );
    assert!(t.networks.iter().all(|n| n.id != "vlan50"));
    let errors: Vec<_> = hostplan::validate::validate(&t)
        .into_iter()
        .filter(|d| d.severity == hostplan::diag::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // A tag no network carries stays as guessed (and validation says so).
    let other = conf.replace("tag=50", "tag=77");
    let imported = run(
        Format::ProxmoxConf,
        &[("211.conf".to_owned(), other)],
        Some("srv01"),
        None,
    )
    .unwrap();
    let (t, _) = merge(&seed, &imported.topology).unwrap();
    let w1 = t.vms.iter().find(|v| v.id == "talos-w1").unwrap();
    assert_eq!(w1.nics[1].network, "vlan77");
}
