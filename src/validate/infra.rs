//! Validation of the power, physical-network and cluster sections
//! ([`crate::model::Ups`], [`crate::model::Switch`], [`crate::model::Link`], bonds, PSUs,
//! [`crate::model::Cluster`]): every reference resolves to the right kind, on the right host,
//! and every value is one corosync, the bonding driver or NUT accepts.

use super::{at, Validator};
use crate::diag::{did_you_mean, Code, DataPath, Diagnostic};
use crate::model::{Affinity, BondMode, DeviceKind, HostKind};
use crate::resolve::EntityKind;
use std::collections::{BTreeMap, BTreeSet};

/// Most knet links corosync has (`link0`…`link7`, Q-12).
const MAX_COROSYNC_LINKS: u32 = 8;
/// Highest `knet_link_priority`.
const MAX_LINK_PRIORITY: u32 = 255;
/// Longest Linux interface name (`IFNAMSIZ` − 1).
const MAX_IFNAME: usize = 15;

impl Validator<'_> {
    /// A power source: a power feed or a UPS.
    pub(super) fn power_source(&mut self, path: DataPath, owner: &str, id: &str) {
        if matches!(
            self.lookup.get(id),
            Some((EntityKind::PowerFeed | EntityKind::Ups, _))
        ) {
            return;
        }
        // Say "power feed" in the message; the expectation names both.
        self.reference(path, owner, id, EntityKind::PowerFeed);
        if let Some(d) = self.out.last_mut() {
            *d = d
                .clone()
                .expected("the id of a power feed (`[[power_feeds]]`) or a UPS (`[[ups]]`)");
        }
    }

    pub(super) fn power(&mut self) {
        let t = self.t;
        for (i, u) in t.ups.iter().enumerate() {
            let p = at("ups", i);
            if let Some(f) = &u.feed {
                self.reference(p.key("feed"), &u.id, f, EntityKind::PowerFeed);
            }
            if u.capacity_w == Some(0) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        p.key("capacity_w"),
                        format!("UPS `{}` has a capacity of 0 W", u.id),
                    )
                    .with_id(&u.id)
                    .expected("a capacity in W above 0"),
                );
            }
            let mut last = 0u32;
            for (j, r) in u.runtime.iter().enumerate() {
                if r.load_w == 0 || r.load_w <= last || !(r.minutes.is_finite() && r.minutes > 0.0)
                {
                    self.push(
                        Diagnostic::error(
                            Code::OutOfRange,
                            p.key("runtime").index(j),
                            format!(
                                "UPS `{}` has a runtime point of {} min at {} W",
                                u.id, r.minutes, r.load_w
                            ),
                        )
                        .with_id(&u.id)
                        .expected("loads above 0 W in increasing order, each with a runtime above 0 minutes"),
                    );
                }
                last = last.max(r.load_w);
            }
            if let Some(h) = &u.nut_primary {
                self.reference(p.key("nut_primary"), &u.id, h, EntityKind::Host);
            }
            for (j, h) in u.nut_secondaries.iter().enumerate() {
                let path = p.key("nut_secondaries").index(j);
                if self.reference(path.clone(), &u.id, h, EntityKind::Host)
                    && u.nut_primary.as_deref() == Some(h)
                {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCombination,
                            path,
                            format!(
                                "host `{h}` is both NUT primary and secondary of UPS `{}`",
                                u.id
                            ),
                        )
                        .with_id(h)
                        .expected("one upsmon role per host and UPS"),
                    );
                }
            }
        }
        for (i, h) in t.hosts.iter().enumerate() {
            let p = at("hosts", i);
            if !h.psus.is_empty() && h.power_feed.is_some() {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        p.key("psus"),
                        format!("host `{}` states both `power_feed` and `psus`", h.id),
                    )
                    .with_id(&h.id)
                    .expected("`power_feed` for one power supply, or `psus` listing each"),
                );
            }
            for (j, psu) in h.psus.iter().enumerate() {
                self.power_source(p.key("psus").index(j).key("power"), &h.id, &psu.power);
            }
            if h.power_w == Some(0) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        p.key("power_w"),
                        format!("host `{}` draws 0 W", h.id),
                    )
                    .with_id(&h.id)
                    .expected("a power draw in W above 0, or no `power_w` when unknown"),
                );
            }
        }
        for (i, s) in t.switches.iter().enumerate() {
            let p = at("switches", i);
            for (j, psu) in s.psus.iter().enumerate() {
                self.power_source(p.key("psus").index(j).key("power"), &s.id, &psu.power);
            }
        }
    }

    pub(super) fn network_hardware(&mut self) {
        let t = self.t;
        for (i, s) in t.switches.iter().enumerate() {
            let p = at("switches", i);
            let Some(peer) = &s.mlag_peer else { continue };
            if !self.reference(p.key("mlag_peer"), &s.id, peer, EntityKind::Switch) {
                continue;
            }
            let back = self
                .lookup
                .of(EntityKind::Switch, peer)
                .and_then(|k| t.switches[k].mlag_peer.as_deref());
            if peer == &s.id || back.is_some_and(|b| b != s.id) {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        p.key("mlag_peer"),
                        format!("switch `{}` names `{peer}` as its MLAG peer, which is itself or paired with another switch", s.id),
                    )
                    .with_id(&s.id)
                    .expected("two different switches naming each other (or one naming the other)"),
                );
            }
        }
        let mut ports: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        for (i, l) in t.links.iter().enumerate() {
            let p = at("links", i);
            let host_ok = self.reference(p.key("host"), &l.id, &l.host, EntityKind::Host);
            match self.lookup.get(&l.nic) {
                Some((EntityKind::Device, d)) => {
                    let dev = &t.devices[d];
                    if host_ok && dev.host != l.host {
                        self.push(
                            Diagnostic::error(
                                Code::HostMismatch,
                                p.key("nic"),
                                format!(
                                    "link `{}` starts at NIC `{}` of host `{}`, not of `{}`",
                                    l.id, l.nic, dev.host, l.host
                                ),
                            )
                            .with_id(&l.id)
                            .expected(format!("a NIC of host `{}`", l.host)),
                        );
                    } else if dev.kind != DeviceKind::Nic {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidCombination,
                                p.key("nic"),
                                format!(
                                    "link `{}` starts at `{}`, which is a {} not a NIC",
                                    l.id, l.nic, dev.kind
                                ),
                            )
                            .with_id(&l.id)
                            .expected("a device of kind `nic`, or an onboard port name"),
                        );
                    }
                }
                Some((other, _)) => {
                    self.push(
                        Diagnostic::error(
                            Code::UnknownReference,
                            p.key("nic"),
                            format!(
                                "link `{}` starts at `{}`, which is a {}",
                                l.id,
                                l.nic,
                                other.noun()
                            ),
                        )
                        .with_id(&l.nic)
                        .expected("a NIC device id on the link's host, or an onboard port name"),
                    );
                }
                None if !is_ifname(&l.nic) => {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidFormat,
                            p.key("nic"),
                            format!("link `{}` starts at `{}`, which is no NIC and no interface name", l.id, l.nic),
                        )
                        .with_id(&l.id)
                        .expected("a NIC device id, or an interface name of 1–15 letters, digits, `.`, `-` or `_`"),
                    );
                }
                None => {}
            }
            if self.reference(p.key("switch"), &l.id, &l.switch, EntityKind::Switch) {
                if let Some(port) = &l.port {
                    if let Some(other) = ports.insert((&l.switch, port), &l.id) {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidCombination,
                                p.key("port"),
                                format!("links `{other}` and `{}` both end at port `{port}` of switch `{}`", l.id, l.switch),
                            )
                            .with_id(&l.id)
                            .expected("one cable per switch port"),
                        );
                    }
                }
            }
            for (j, n) in l.networks.iter().enumerate() {
                self.reference(p.key("networks").index(j), &l.id, n, EntityKind::Network);
            }
        }
        self.bonds();
    }

    fn bonds(&mut self) {
        let t = self.t;
        let mut bonded: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, h) in t.hosts.iter().enumerate() {
            let mut names = BTreeSet::new();
            for (j, b) in h.bonds.iter().enumerate() {
                let bp = at("hosts", i).key("bonds").index(j);
                if !is_ifname(&b.name)
                    || !names.insert(b.name.as_str())
                    || h.bridges.iter().any(|x| x.name == b.name)
                {
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateId,
                            bp.key("name"),
                            format!("host `{}` has a bond named `{}` that is empty, invalid or used twice", h.id, b.name),
                        )
                        .with_id(&b.name)
                        .expected("an interface name unique among the host's bonds and bridges"),
                    );
                }
                if b.links.is_empty() {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCombination,
                            bp.key("links"),
                            format!("bond `{}` of host `{}` has no links", b.name, h.id),
                        )
                        .with_id(&h.id)
                        .expected("at least one member link"),
                    );
                }
                if b.lacp_rate.is_some() && b.mode != BondMode::Lacp {
                    self.push(
                        Diagnostic::warning(
                            Code::InvalidCombination,
                            bp.key("lacp_rate"),
                            format!(
                                "bond `{}` of host `{}` sets `lacp_rate` in mode {}",
                                b.name, h.id, b.mode
                            ),
                        )
                        .with_id(&h.id)
                        .expected("`lacp_rate` only with mode 802.3ad"),
                    );
                }
                for (k, l) in b.links.iter().enumerate() {
                    let lp = bp.key("links").index(k);
                    if !self.reference(lp.clone(), &h.id, l, EntityKind::Link) {
                        continue;
                    }
                    let on = self
                        .lookup
                        .of(EntityKind::Link, l)
                        .map(|x| t.links[x].host.as_str());
                    if on.is_some_and(|on| on != h.id) {
                        self.push(
                            Diagnostic::error(
                                Code::HostMismatch,
                                lp,
                                format!(
                                    "bond `{}` of host `{}` takes link `{l}` of another host",
                                    b.name, h.id
                                ),
                            )
                            .with_id(l)
                            .expected(format!("a link of host `{}`", h.id)),
                        );
                    } else if let Some(first) = bonded.insert(l, &b.name) {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidCombination,
                                lp,
                                format!(
                                    "link `{l}` is a member of bond `{first}` and bond `{}`",
                                    b.name
                                ),
                            )
                            .with_id(l)
                            .expected("each link in at most one bond"),
                        );
                    }
                }
            }
        }
    }

    /// A bridge port that is not one of the host's bonds or links: a NIC device on the host,
    /// else an error saying which kinds it may name and what it names instead.
    pub(super) fn bridge_port(&mut self, path: DataPath, host: &str, bridge: &str, port: &str) {
        if self.lookup.of(EntityKind::Device, port).is_some() {
            self.same_host(path, host, port, EntityKind::Device);
            return;
        }
        if let Some(l) = self.lookup.of(EntityKind::Link, port) {
            let other = &self.t.links[l].host;
            self.push(
                Diagnostic::error(
                    Code::HostMismatch,
                    path,
                    format!(
                        "bridge `{bridge}` of `{host}` has port `{port}`, a link of host `{other}`"
                    ),
                )
                .with_id(port)
                .expected(format!("a link of `{host}`")),
            );
            return;
        }
        let what = match self.lookup.get(port) {
            Some((kind, _)) => format!(
                "bridge `{bridge}` of `{host}` has port `{port}`, which is a {}, not a NIC device, bond or link",
                kind.noun()
            ),
            None if port.is_empty() => format!("bridge `{bridge}` of `{host}` has an empty port"),
            None => format!(
                "bridge `{bridge}` of `{host}` has port `{port}`, which is no NIC device, no bond of `{host}` and no link"
            ),
        };
        let mut d = Diagnostic::error(Code::UnknownReference, path, what)
            .with_id(port)
            .expected(format!(
                "a NIC device on `{host}` (`[[devices]]` id), one of its bonds (`[[hosts.bonds]]` name) or one of its links (`[[links]]` id)"
            ));
        let t = self.t;
        let nics = t
            .devices
            .iter()
            .filter(|x| x.host == host && x.kind == DeviceKind::Nic)
            .map(|x| x.id.as_str());
        let bonds = t
            .hosts
            .iter()
            .filter(|h| h.id == host)
            .flat_map(|h| h.bonds.iter().map(|b| b.name.as_str()));
        let links = t
            .links
            .iter()
            .filter(|l| l.host == host)
            .map(|l| l.id.as_str());
        if let Some(s) = did_you_mean(port, nics.chain(bonds).chain(links)) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        self.push(d);
    }

    /// Whether a bridge port of host `host` names one of its bonds or links.
    pub(super) fn is_bond_or_link_port(&self, host: &str, port: &str) -> bool {
        let bond = self
            .lookup
            .of(EntityKind::Host, host)
            .is_some_and(|h| self.t.hosts[h].bonds.iter().any(|b| b.name == port));
        let link = self
            .lookup
            .of(EntityKind::Link, port)
            .is_some_and(|l| self.t.links[l].host == host);
        bond || link
    }

    pub(super) fn cluster(&mut self) {
        let t = self.t;
        let Some(c) = &t.cluster else { return };
        let p = DataPath::root().key("cluster");
        let mut members = BTreeSet::new();
        for (i, n) in c.nodes.iter().enumerate() {
            let np = p.key("nodes").index(i);
            if !self.reference(np.key("host"), "cluster", &n.host, EntityKind::Host) {
                continue;
            }
            let kind = self
                .lookup
                .of(EntityKind::Host, &n.host)
                .map(|h| t.hosts[h].kind);
            if kind == Some(HostKind::BareMetal) || !members.insert(n.host.as_str()) {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        np.key("host"),
                        format!(
                            "cluster node `{}` is listed twice or is not a Proxmox host",
                            n.host
                        ),
                    )
                    .with_id(&n.host)
                    .expected("each Proxmox host at most once"),
                );
            }
            if n.votes == Some(0) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        np.key("votes"),
                        format!("cluster node `{}` has 0 votes", n.host),
                    )
                    .with_id(&n.host)
                    .expected("at least 1 vote (corosync's default)"),
                );
            }
        }
        if c.two_node && c.nodes.len() != 2 {
            self.push(
                Diagnostic::warning(
                    Code::InvalidCombination,
                    p.key("two_node"),
                    format!("`two_node` is set on a cluster of {} nodes; votequorum ignores it unless there are exactly 2", c.nodes.len()),
                )
                .with_id("cluster")
                .expected("`two_node` only with two nodes"),
            );
        }
        if let Some(q) = &c.qdevice {
            let qp = p.key("qdevice");
            if let Some(h) = &q.host {
                if !matches!(
                    self.lookup.get(h),
                    Some((EntityKind::Host | EntityKind::Vm, _))
                ) {
                    self.reference(qp.key("host"), "qdevice", h, EntityKind::Host);
                } else if members.contains(h.as_str()) {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCombination,
                            qp.key("host"),
                            format!("the QDevice's qnetd runs on cluster node `{h}`; it must be outside the cluster"),
                        )
                        .with_id(h)
                        .expected("a host or VM that is not a cluster node, or no `host` (a machine outside this file)"),
                    );
                }
            }
            if q.votes == Some(0) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        qp.key("votes"),
                        "the QDevice gives 0 votes",
                    )
                    .with_id("qdevice")
                    .expected("at least 1 vote"),
                );
            }
        }
        let mut numbers = BTreeSet::new();
        for (i, l) in c.corosync_links.iter().enumerate() {
            let lp = p.key("corosync_links").index(i);
            if l.number >= MAX_COROSYNC_LINKS || !numbers.insert(l.number) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        lp.key("number"),
                        format!("corosync link{} is out of range or given twice", l.number),
                    )
                    .with_id(format!("link{}", l.number))
                    .expected("link numbers 0–7, each once"),
                );
            }
            if l.priority.is_some_and(|x| x > MAX_LINK_PRIORITY) {
                self.push(
                    Diagnostic::error(
                        Code::OutOfRange,
                        lp.key("priority"),
                        format!(
                            "corosync link{} has priority {}",
                            l.number,
                            l.priority.unwrap_or(0)
                        ),
                    )
                    .with_id(format!("link{}", l.number))
                    .expected("a knet_link_priority of 0–255"),
                );
            }
            self.reference(
                lp.key("network"),
                "cluster",
                &l.network,
                EntityKind::Network,
            );
        }
        self.node_affinity(&members);
        self.resource_affinity(&members);
    }

    /// Resource-affinity rules: VMs that exist and are HA-managed, and the feasibility checks
    /// with which the HA manager disables a rule (HA-39), as warnings: the file is valid, the
    /// rule just does nothing.
    fn resource_affinity(&mut self, members: &BTreeSet<&str>) {
        let t = self.t;
        let Some(c) = &t.cluster else { return };
        let p = DataPath::root().key("cluster").key("ha");
        let mut sides: BTreeMap<(&str, &str), (Affinity, &str)> = BTreeMap::new();
        for (i, r) in c.ha.resource_affinity.iter().enumerate() {
            let rp = p.key("resource_affinity").index(i);
            let disabled = |why: String, path: DataPath, expected: &str| {
                Diagnostic::warning(
                    Code::InvalidCombination,
                    path,
                    format!(
                        "resource-affinity rule `{}` {why}; Proxmox disables it",
                        r.id
                    ),
                )
                .with_id(&r.id)
                .expected(expected.to_owned())
            };
            if r.vms.len() < 2 {
                self.push(disabled(
                    format!("names {} resource(s)", r.vms.len()),
                    rp.key("vms"),
                    "at least two HA resources",
                ));
            }
            if r.affinity == Affinity::Negative && r.vms.len() > members.len() {
                self.push(disabled(
                    format!(
                        "keeps {} resources apart on a cluster of {} node(s)",
                        r.vms.len(),
                        members.len()
                    ),
                    rp.key("vms"),
                    "no more resources than cluster nodes",
                ));
            }
            for (j, vm) in r.vms.iter().enumerate() {
                let path = rp.key("vms").index(j);
                if !self.reference(path.clone(), &r.id, vm, EntityKind::Vm) {
                    continue;
                }
                let ha = self
                    .lookup
                    .of(EntityKind::Vm, vm)
                    .is_some_and(|v| t.vms[v].ha);
                if !ha {
                    self.push(
                        Diagnostic::warning(
                            Code::InvalidCombination,
                            path.clone(),
                            format!("resource-affinity rule `{}` names VM `{vm}`, which is not HA-managed (`ha = false`)", r.id),
                        )
                        .with_id(vm)
                        .expected("HA resources only"),
                    );
                }
                // A pair kept together by one rule and apart by another (HA-39).
                for other in r.vms.iter().filter(|o| o.as_str() > vm.as_str()) {
                    let key = (vm.as_str(), other.as_str());
                    match sides.get(&key) {
                        Some((a, first)) if *a != r.affinity => {
                            self.push(disabled(
                                format!("keeps `{vm}` and `{other}` {} while rule `{first}` keeps them {}", side(r.affinity), side(*a)),
                                path.clone(),
                                "a pair of resources in positive or negative rules, not both",
                            ));
                        }
                        Some(_) => {}
                        None => {
                            sides.insert(key, (r.affinity, &r.id));
                        }
                    }
                }
            }
        }
    }

    fn node_affinity(&mut self, members: &BTreeSet<&str>) {
        let t = self.t;
        let Some(c) = &t.cluster else { return };
        let p = DataPath::root().key("cluster");
        let mut ruled: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, r) in c.ha.node_affinity.iter().enumerate() {
            let rp = p.key("ha").key("node_affinity").index(i);
            if r.nodes.is_empty() {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
                        rp.key("nodes"),
                        format!("node-affinity rule `{}` lists no nodes", r.id),
                    )
                    .with_id(&r.id)
                    .expected("at least one cluster node"),
                );
            }
            for (j, n) in r.nodes.iter().enumerate() {
                let path = rp.key("nodes").index(j);
                if self.reference(path.clone(), &r.id, n, EntityKind::Host)
                    && !members.contains(n.as_str())
                {
                    let mut d = Diagnostic::error(
                        Code::UnknownReference,
                        path,
                        format!(
                            "node-affinity rule `{}` names `{n}`, which is not a cluster node",
                            r.id
                        ),
                    )
                    .with_id(n)
                    .expected("a host listed in `cluster.nodes`");
                    if let Some(s) = did_you_mean(n, members.iter().copied()) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.push(d);
                }
            }
            for (j, vm) in r.vms.iter().enumerate() {
                let path = rp.key("vms").index(j);
                if !self.reference(path.clone(), &r.id, vm, EntityKind::Vm) {
                    continue;
                }
                // HA-39: one node-affinity rule per resource; a second one disables both.
                if let Some(first) = ruled.insert(vm, &r.id) {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCombination,
                            path.clone(),
                            format!("VM `{vm}` is in node-affinity rules `{first}` and `{}`; Proxmox disables both", r.id),
                        )
                        .with_id(vm)
                        .expected("one node-affinity rule per HA resource"),
                    );
                }
                let ha = self
                    .lookup
                    .of(EntityKind::Vm, vm)
                    .is_some_and(|v| t.vms[v].ha);
                if !ha {
                    self.push(
                        Diagnostic::warning(
                            Code::InvalidCombination,
                            path,
                            format!("node-affinity rule `{}` names VM `{vm}`, which is not HA-managed (`ha = false`)", r.id),
                        )
                        .with_id(vm)
                        .expected("HA resources only"),
                    );
                }
            }
        }
    }
}

/// How a resource-affinity rule keeps its resources, in words.
fn side(a: Affinity) -> &'static str {
    match a {
        Affinity::Positive => "together",
        Affinity::Negative => "apart",
    }
}

/// Whether `name` can be a Linux interface name (`eno1`, `bond0`, `enp3s0f1`).
fn is_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_IFNAME
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b".-_".contains(&c))
}
