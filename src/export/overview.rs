//! The overview of a large site: one tile per host (standing for everything that runs on it),
//! per storage service, per consumer, per network and power feed, with the dependencies
//! between tiles aggregated ("12 VMs on h00001 boot from h00005-local"). What a front end
//! shows when the full drawing would be too big to read, and the part of the topology to draw
//! in detail when the user focuses one tile ([`focus`]).
//!
//! Which entity belongs to which tile is [`super::diagram::groups`]'s grouping: a host's tile
//! holds its devices, disks, storages, VMs and the pools those VMs import.

use super::diagram::{self, detail};
use crate::diag::Severity;
use crate::graph::{display_owner, DependencyGraph, EdgeKind, State};
use crate::model::Topology;
use crate::resolve::EntityKind;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Above this many drawn components a front end shows the overview instead of the full
/// drawing. Measured in the web app (BENCHMARKS.md, "Web app"): beyond about 300 boxes the
/// whole drawing no longer fits a 1400-pixel window with labels of at least 11 pixels, and
/// rendering and laying it out starts to approach the 100 ms an edit may take.
pub const OVERVIEW_THRESHOLD: usize = 300;

/// How many boxes the full drawing has (every entity but hosts, which are frames, plus each
/// host's bonds and power supplies).
pub fn drawn_components(t: &Topology) -> usize {
    let parts: usize = t.hosts.iter().map(|h| h.bonds.len() + h.psus.len()).sum();
    parts
        + t.devices.len()
        + t.disks.len()
        + t.storages.len()
        + t.vms.len()
        + t.pools.len()
        + t.services.len()
        + t.consumers.len()
        + t.networks.len()
        + t.power_feeds.len()
        + t.switches.len()
        + t.ups.len()
        + t.links.len()
}

/// Whether `t` is too big to draw whole ([`OVERVIEW_THRESHOLD`]).
pub fn wants_overview(t: &Topology) -> bool {
    drawn_components(t) > OVERVIEW_THRESHOLD
}

/// What a tile stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TileKind {
    /// A host and everything on it.
    Host,
    /// A storage service.
    Service,
    /// A consumer (a Kubernetes cluster…).
    Consumer,
    /// A network, a switch, a UPS or a power feed, shared by many hosts.
    Shared,
    /// A component whose host does not exist (a typo the diagnostics point at).
    Stray,
}

impl TileKind {
    /// Every kind, in the order a front end lists them.
    pub const ALL: [TileKind; 5] = [
        TileKind::Host,
        TileKind::Service,
        TileKind::Consumer,
        TileKind::Shared,
        TileKind::Stray,
    ];

    /// The heading of a band of tiles of this kind.
    pub fn heading(self) -> &'static str {
        match self {
            Self::Host => "Hosts",
            Self::Service => "Storage services",
            Self::Consumer => "Consumers",
            Self::Shared => "Networks, switches and power",
            Self::Stray => "On hosts that do not exist",
        }
    }

    /// A CSS-friendly name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::Service => "service",
            Self::Consumer => "consumer",
            Self::Shared => "shared",
            Self::Stray => "stray",
        }
    }
}

/// One tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    /// The id of the entity it is named after (a host, a service…).
    pub id: String,
    /// What it stands for.
    pub kind: TileKind,
    /// The entity kind of `id`.
    pub entity: EntityKind,
    /// The line under the id: `10 VMs · 16 components`, `iscsi on storage`…
    pub detail: String,
    /// VMs in it.
    pub vms: usize,
    /// Every entity it stands for, itself included.
    pub members: Vec<String>,
}

/// The dependencies from the members of one tile to those of another: "`from` requires `to`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Tile index of the dependents.
    pub from: usize,
    /// Tile index of the requirements.
    pub to: usize,
    /// Distinct dependent entities, by kind.
    pub dependents: BTreeMap<EntityKind, usize>,
    /// Distinct required entities, by kind.
    pub requirements: BTreeMap<EntityKind, usize>,
    /// The commonest kind of dependency among them.
    pub kind: EdgeKind,
    /// What a person reads: `12 VMs on h00001 boot from h00005-local`.
    pub label: String,
}

/// The overview of a topology.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// Tiles: hosts in file order, then services, consumers, networks, switches, UPS units and
    /// power feeds, strays.
    pub tiles: Vec<Tile>,
    /// Aggregated dependencies between tiles, by (from, to).
    pub links: Vec<Link>,
    // Hashed, not ordered: it is only looked up (once per dependency edge while the overview
    // is built, once per finding or simulated state per render), never listed.
    tile_of: HashMap<String, usize>,
}

/// Tile counts of findings or diagnostics, one slot per [`Severity::ALL`].
pub type SeverityCounts = [usize; 3];

impl Overview {
    /// The tile standing for entity (or graph node) `id`.
    pub fn tile_of(&self, id: &str) -> Option<usize> {
        self.tile_of.get(display_owner(id)).copied()
    }

    /// The tile called `id` (a tile is called after its host, service…).
    pub fn tile(&self, id: &str) -> Option<usize> {
        self.tile_of(id).filter(|&i| self.tiles[i].id == id)
    }

    /// The worst state of each tile's members (`states` lists only what is not up).
    pub fn worst_states(&self, states: &BTreeMap<String, State>) -> Vec<State> {
        let mut out = vec![State::Up; self.tiles.len()];
        for (id, s) in states {
            if let Some(i) = self.tile_of(id) {
                out[i] = out[i].max(*s);
            }
        }
        out
    }

    /// How many of `items` (an entity id and a severity each) fall in each tile, by severity.
    pub fn severity_counts<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, Severity)>,
    ) -> Vec<SeverityCounts> {
        let mut out = vec![[0; 3]; self.tiles.len()];
        for (id, level) in items {
            if let Some(i) = self.tile_of(id) {
                let slot = Severity::ALL.iter().position(|s| *s == level).unwrap_or(0);
                out[i][slot] += 1;
            }
        }
        out
    }

    /// Each tile's line under its id for `t`, a model of the same structure as the one this
    /// overview was built from: `t` differs from it only in values that neither validation
    /// nor the dependency graph reads (`crate::validate::scope`: a VM's memory, a host's
    /// RAM). Of those, a tile shows only its host's RAM, so an edit of one keeps the overview
    /// (its tiles, members and links) and only the lines are made again: `O(tiles)`, where
    /// building the overview is `O(n log n)` in every entity.
    pub fn details(&self, t: &Topology) -> Vec<String> {
        // Host tiles come first, one per host in file order (see [`overview`]).
        self.tiles
            .iter()
            .enumerate()
            .map(|(i, tile)| match (tile.kind, t.hosts.get(i)) {
                (TileKind::Host, Some(h)) if h.id == tile.id => {
                    host_detail(tile.vms, tile.members.len() - 1, h.ram_gib)
                }
                _ => tile.detail.clone(),
            })
            .collect()
    }

    /// The links into or out of tile `i`.
    pub fn links_of(&self, i: usize) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| l.from == i || l.to == i)
    }
}

/// A host tile's line: `10 VMs · 16 parts · 256 GiB`.
fn host_detail(vms: usize, parts: usize, ram_gib: u32) -> String {
    format!(
        "{vms} VM{} · {parts} part{} · {ram_gib} GiB",
        if vms == 1 { "" } else { "s" },
        if parts == 1 { "" } else { "s" },
    )
}

/// `3 VMs`, `1 VM and 2 storages`.
fn describe(counts: &BTreeMap<EntityKind, usize>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| {
            let noun = kind.noun();
            format!("{n} {noun}{}", if *n == 1 { "" } else { "s" })
        })
        .collect();
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What dependents of this kind do to their requirement (plural verb).
fn verb(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::BootsFrom => "boot from",
        EdgeKind::RunsOn => "run on",
        EdgeKind::PoweredBy => "are powered by",
        EdgeKind::Network => "use",
        EdgeKind::BackedBy => "are backed by",
        EdgeKind::Passthrough => "pass through",
        EdgeKind::Member | EdgeKind::Quorum | EdgeKind::NeedsQuorum => "count on",
        EdgeKind::Cabled => "are cabled to",
        EdgeKind::AttachedTo | EdgeKind::Vdev | EdgeKind::ImportedBy | EdgeKind::Needs => "need",
    }
}

/// The verb of [`verb`] for one dependent.
fn singular(plural: &'static str) -> &'static str {
    match plural {
        "boot from" => "boots from",
        "run on" => "runs on",
        "are powered by" => "is powered by",
        "use" => "uses",
        "are backed by" => "is backed by",
        "pass through" => "passes through",
        "count on" => "counts on",
        _ => "needs",
    }
}

/// The overview of `t`, whose dependency graph is `g`.
///
/// # Complexity
/// `O(n log n + e log e)` for `n` entities and `e` dependency edges.
pub fn overview(t: &Topology, g: &DependencyGraph) -> Overview {
    with_links(tiles(t), t, g)
}

/// [`overview`] in two steps, for a front end that builds a large site's overview between
/// other work (the web app, in tasks of its own): the tiles, without links, then
/// [`with_links`].
///
/// # Complexity
/// `O(n log n)` for `n` entities.
pub fn tiles(t: &Topology) -> Overview {
    let d = diagram::groups(t);
    let mut ov = Overview::default();
    let add = |ov: &mut Overview, tile: Tile| {
        let i = ov.tiles.len();
        for m in &tile.members {
            ov.tile_of.insert(m.clone(), i);
        }
        ov.tiles.push(tile);
    };
    let node_ids =
        |nodes: &[usize]| -> Vec<String> { nodes.iter().map(|&n| d.nodes[n].id.clone()).collect() };
    for (grp, h) in d
        .groups
        .iter()
        .filter(|g| g.entity == EntityKind::Host)
        .zip(&t.hosts)
    {
        let mut members = vec![h.id.clone()];
        members.extend(node_ids(&grp.nodes));
        for vm in &grp.children {
            members.extend(node_ids(&vm.nodes));
        }
        let vms = grp.children.len();
        add(
            &mut ov,
            Tile {
                id: h.id.clone(),
                kind: TileKind::Host,
                entity: EntityKind::Host,
                detail: host_detail(vms, members.len() - 1, h.ram_gib),
                vms,
                members,
            },
        );
    }
    let single = |id: &str, kind: TileKind, entity: EntityKind, detail: String| Tile {
        id: id.to_owned(),
        kind,
        entity,
        detail,
        vms: usize::from(entity == EntityKind::Vm),
        members: vec![id.to_owned()],
    };
    for x in &t.services {
        let tile = single(
            &x.id,
            TileKind::Service,
            EntityKind::Service,
            detail::service(x),
        );
        add(&mut ov, tile);
    }
    for x in &t.consumers {
        let detail = format!(
            "{} · {} VMs",
            detail::consumer(x),
            x.control_plane.len() + x.workers.len()
        );
        add(
            &mut ov,
            single(&x.id, TileKind::Consumer, EntityKind::Consumer, detail),
        );
    }
    for x in &t.networks {
        let tile = single(
            &x.id,
            TileKind::Shared,
            EntityKind::Network,
            detail::network(x),
        );
        add(&mut ov, tile);
    }
    for x in &t.switches {
        let tile = single(
            &x.id,
            TileKind::Shared,
            EntityKind::Switch,
            detail::switch(x),
        );
        add(&mut ov, tile);
    }
    for x in &t.ups {
        let tile = single(&x.id, TileKind::Shared, EntityKind::Ups, detail::ups(x));
        add(&mut ov, tile);
    }
    for x in &t.power_feeds {
        let tile = single(
            &x.id,
            TileKind::Shared,
            EntityKind::PowerFeed,
            detail::POWER_FEED.into(),
        );
        add(&mut ov, tile);
    }
    // Strays: loose devices, disks, storages, pools and links, then VMs on hosts that do not
    // exist.
    let strays = d.loose.iter().copied().filter(|&n| {
        matches!(
            d.nodes[n].kind,
            EntityKind::Device
                | EntityKind::Disk
                | EntityKind::Storage
                | EntityKind::Pool
                | EntityKind::Link
        )
    });
    let stray_vms = d
        .groups
        .iter()
        .filter(|g| g.entity == EntityKind::Vm)
        .filter_map(|g| g.nodes.first().copied());
    for n in strays.chain(stray_vms) {
        let node = &d.nodes[n];
        if ov.tile_of.contains_key(&node.id) {
            continue;
        }
        let tile = single(&node.id, TileKind::Stray, node.kind, node.detail.clone());
        add(&mut ov, tile);
    }
    ov
}

/// `ov` ([`tiles`] of `t`) with the dependencies between its tiles: `g` is `t`'s graph.
///
/// # Complexity
/// `O(n + e log e)` for `n` entities and `e` dependency edges.
pub fn with_links(mut ov: Overview, t: &Topology, g: &DependencyGraph) -> Overview {
    ov.links = links(&ov, t, g);
    ov
}

/// Every dependency between two tiles, aggregated per (from, to).
fn links(ov: &Overview, t: &Topology, g: &DependencyGraph) -> Vec<Link> {
    // (from tile, to tile) → (dependents, requirements, edge kinds).
    type Acc<'a> = (
        BTreeSet<&'a str>,
        BTreeSet<&'a str>,
        BTreeMap<EdgeKind, usize>,
    );
    let lookup = crate::resolve::Lookup::new(t);
    let kind_of = |id: &str| lookup.get(id).map_or(EntityKind::Host, |(k, _)| k);
    let mut acc: BTreeMap<(usize, usize), Acc<'_>> = BTreeMap::new();
    for (from, to, e) in g.edges() {
        let (a, b) = (display_owner(from), display_owner(to));
        let (Some(ta), Some(tb)) = (ov.tile_of(a), ov.tile_of(b)) else {
            continue;
        };
        if ta == tb {
            continue;
        }
        let entry = acc.entry((ta, tb)).or_default();
        entry.0.insert(a);
        entry.1.insert(b);
        *entry.2.entry(e.kind).or_default() += 1;
    }
    acc.into_iter()
        .map(|((from, to), (deps, reqs, kinds))| {
            let by_kind = |ids: &BTreeSet<&str>| {
                let mut m: BTreeMap<EntityKind, usize> = BTreeMap::new();
                for id in ids {
                    *m.entry(kind_of(id)).or_default() += 1;
                }
                m
            };
            let (dependents, requirements) = (by_kind(&deps), by_kind(&reqs));
            // The commonest kind; ties go to the first in the graph's order.
            let kind = kinds
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map_or(EdgeKind::Needs, |(k, _)| *k);
            let (ft, tt) = (&ov.tiles[from], &ov.tiles[to]);
            // "12 VMs on h1 boot from…", but "h1 is powered by…" when the host itself is meant.
            let described = ft.kind == TileKind::Host && deps.iter().any(|d| *d != ft.id);
            let who = if described {
                format!("{} on {}", describe(&dependents), ft.id)
            } else {
                ft.id.clone()
            };
            let what = if tt.kind == TileKind::Host && reqs.iter().any(|r| *r != tt.id) {
                format!("{} on {}", describe(&requirements), tt.id)
            } else {
                tt.id.clone()
            };
            let verb = if described && deps.len() > 1 {
                verb(kind)
            } else {
                singular(verb(kind))
            };
            Link {
                from,
                to,
                label: format!("{who} {verb} {what}"),
                dependents,
                requirements,
                kind,
            }
        })
        .collect()
}

/// The part of `t` to draw when tile `id` is focused: its members, and every entity one
/// dependency away from them (what they require and what requires them), with the hosts those
/// sit on as frames (holding only what was chosen). `None` when no tile is called `id`.
///
/// # Complexity
/// `O(n log n + m)` for `n` entities and `m` dependency edges at the focused members.
pub fn focus(t: &Topology, g: &DependencyGraph, ov: &Overview, id: &str) -> Option<Topology> {
    let tile = &ov.tiles[ov.tile(id)?];
    let members: BTreeSet<&str> = crate::sort::btree_set(tile.members.iter().map(String::as_str));
    let mut keep: BTreeSet<String> = crate::sort::btree_set(tile.members.iter().cloned());
    // Graph nodes owned by a member (`tank#data-0`, `talos#volumes`) count as that member.
    for (n, node) in g.nodes() {
        if !members.contains(display_owner(&node.id)) {
            continue;
        }
        let near = g
            .requirements(n)
            .into_iter()
            .map(|(r, _)| r)
            .chain(g.dependents(n));
        for m in near {
            if let Some(node) = g.node_of(m) {
                keep.insert(display_owner(&node.id).to_owned());
            }
        }
    }
    Some(subset(t, &keep))
}

/// `t` with only the entities in `keep`, plus the hosts they run on.
///
/// Copies only what it keeps: the web app calls it on every edit of a focused large site,
/// where a copy of the whole model cost more than the drawing. (The exhaustive destructuring
/// makes a new section a compile error here until it is decided.)
pub fn subset(t: &Topology, keep: &BTreeSet<String>) -> Topology {
    fn kept<T: Clone>(items: &[T], id: impl Fn(&T) -> &str, keep: &BTreeSet<String>) -> Vec<T> {
        items
            .iter()
            .filter(|x| keep.contains(id(x)))
            .cloned()
            .collect()
    }
    let Topology {
        schema_version,
        site,
        power_feeds,
        ups,
        hosts,
        devices,
        mappings,
        disks,
        storages,
        pools,
        networks,
        switches,
        links,
        vms,
        services,
        consumers,
        waivers,
        cluster,
    } = t;
    let mut out = Topology {
        schema_version: *schema_version,
        site: site.clone(),
        power_feeds: kept(power_feeds, |x| &x.id, keep),
        ups: kept(ups, |x| &x.id, keep),
        hosts: Vec::new(),
        devices: kept(devices, |x| &x.id, keep),
        mappings: mappings.clone(),
        disks: kept(disks, |x| &x.id, keep),
        storages: kept(storages, |x| &x.id, keep),
        pools: kept(pools, |x| &x.id, keep),
        networks: kept(networks, |x| &x.id, keep),
        switches: kept(switches, |x| &x.id, keep),
        links: kept(links, |x| &x.id, keep),
        vms: kept(vms, |x| &x.id, keep),
        services: kept(services, |x| &x.id, keep),
        consumers: kept(consumers, |x| &x.id, keep),
        waivers: waivers.clone(),
        cluster: cluster.clone(),
    };
    let on: BTreeSet<&str> = crate::sort::btree_set(
        out.devices
            .iter()
            .map(|x| x.host.as_str())
            .chain(out.links.iter().map(|x| x.host.as_str()))
            .chain(out.disks.iter().map(|x| x.host.as_str()))
            .chain(out.storages.iter().map(|x| x.host.as_str()))
            .chain(out.vms.iter().map(|x| x.host.as_str())),
    );
    out.hosts = hosts
        .iter()
        .filter(|h| keep.contains(&h.id) || on.contains(h.id.as_str()))
        .cloned()
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet(hosts: u32) -> Topology {
        crate::sim::generate::generate(&crate::sim::generate::FleetSpec {
            hosts,
            ..Default::default()
        })
    }

    #[test]
    fn the_seed_is_drawn_whole_and_a_fleet_of_100_hosts_is_not() {
        let seed = crate::examples::seed().unwrap();
        assert!(!wants_overview(&seed));
        assert!(wants_overview(&fleet(100)));
    }

    #[test]
    fn a_subset_is_the_model_with_only_the_kept_entities_and_their_hosts() {
        let t = fleet(12);
        let keep: BTreeSet<String> = [t.vms[32].id.as_str(), "h00007", t.vms[51].id.as_str()]
            .into_iter()
            .map(str::to_owned)
            .chain(t.storages.iter().take(2).map(|s| s.id.clone()))
            .chain(t.networks.iter().take(1).map(|n| n.id.clone()))
            .collect();
        // What it was written as: the whole model copied, then every list filtered.
        let mut expected = t.clone();
        let k = |id: &str| keep.contains(id);
        expected.devices.retain(|x| k(&x.id));
        expected.disks.retain(|x| k(&x.id));
        expected.storages.retain(|x| k(&x.id));
        expected.vms.retain(|x| k(&x.id));
        expected.pools.retain(|x| k(&x.id));
        expected.services.retain(|x| k(&x.id));
        expected.consumers.retain(|x| k(&x.id));
        expected.networks.retain(|x| k(&x.id));
        expected.power_feeds.retain(|x| k(&x.id));
        expected.switches.retain(|x| k(&x.id));
        expected.ups.retain(|x| k(&x.id));
        expected.links.retain(|x| k(&x.id));
        let on: BTreeSet<String> = expected
            .vms
            .iter()
            .map(|x| x.host.clone())
            .chain(expected.storages.iter().map(|x| x.host.clone()))
            .collect();
        expected.hosts.retain(|h| k(&h.id) || on.contains(&h.id));
        let got = subset(&t, &keep);
        assert_eq!(got, expected);
        assert_eq!(got.vms.len(), 2);
        assert!(got.hosts.iter().any(|h| h.id == t.vms[32].host));
        assert!(got.hosts.iter().any(|h| h.id == "h00007"));
    }

    #[test]
    fn every_entity_falls_in_exactly_one_tile() {
        let t = fleet(20);
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let hosts = ov.tiles.iter().filter(|x| x.kind == TileKind::Host).count();
        assert_eq!(hosts, t.hosts.len());
        let members: usize = ov.tiles.iter().map(|x| x.members.len()).sum();
        assert_eq!(members, drawn_components(&t) + t.hosts.len());
        for vm in &t.vms {
            let tile = &ov.tiles[ov.tile_of(&vm.id).unwrap()];
            assert_eq!(tile.id, vm.host, "{}", vm.id);
        }
        let vms: usize = ov.tiles.iter().map(|x| x.vms).sum();
        assert_eq!(vms, t.vms.len());
        assert!(
            ov.tiles[0].detail.starts_with("10 VMs · "),
            "{}",
            ov.tiles[0].detail
        );
    }

    #[test]
    fn links_aggregate_dependencies_between_tiles() {
        let t = crate::examples::seed().unwrap();
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let idx = |id: &str| ov.tile(id).unwrap();
        // The iSCSI service is provided by the TrueNAS VM on srv01.
        let l = ov
            .links
            .iter()
            .find(|l| l.from == idx("iscsi-k8s") && l.to == idx("srv01"))
            .unwrap();
        assert!(l.label.starts_with("iscsi-k8s "), "{}", l.label);
        assert!(l.label.ends_with(" on srv01"), "{}", l.label);
        assert!(ov.links.iter().all(|l| l.from != l.to));
        // Every host's link to its power feed and networks is one link, whatever its size.
        let pairs: BTreeSet<(usize, usize)> = ov.links.iter().map(|l| (l.from, l.to)).collect();
        assert_eq!(pairs.len(), ov.links.len());
        assert!(ov.links_of(idx("srv01")).count() >= 2);
    }

    #[test]
    fn a_fleet_link_counts_the_vms_behind_it() {
        let t = fleet(10);
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let host = ov.tile("h00001").unwrap();
        let k8s = ov
            .links_of(host)
            .find(|l| l.to == host && ov.tiles[l.from].kind == TileKind::Consumer)
            .unwrap();
        let vms = k8s.requirements[&EntityKind::Vm];
        let noun = if vms == 1 { "VM" } else { "VMs" };
        assert_eq!(
            k8s.label,
            format!("{} counts on {vms} {noun} on h00001", ov.tiles[k8s.from].id)
        );
        // One PSU on the rack's UPS, one on its feed: both are tiles of their own.
        let power: BTreeSet<&str> = ov
            .links_of(host)
            .filter(|l| l.from == host && l.kind == EdgeKind::PoweredBy)
            .map(|l| l.label.as_str())
            .collect();
        assert_eq!(
            power,
            BTreeSet::from([
                "h00001 is powered by feed000",
                "h00001 is powered by ups000"
            ])
        );
        let switch = ov.tile("sw000a").unwrap();
        assert_eq!(ov.tiles[switch].kind, TileKind::Shared);
        assert!(ov.links_of(host).any(|l| l.from == host && l.to == switch));
    }

    #[test]
    fn worst_states_and_counts_roll_up_to_tiles() {
        let t = crate::examples::seed().unwrap();
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let states = BTreeMap::from([
            ("truenas".to_owned(), State::Down),
            ("tank#data-0".to_owned(), State::Degraded),
        ]);
        let worst = ov.worst_states(&states);
        assert_eq!(worst[ov.tile("srv01").unwrap()], State::Down);
        assert_eq!(worst[ov.tile("iscsi-k8s").unwrap()], State::Up);
        let counts = ov.severity_counts([
            ("truenas", Severity::Warning),
            ("hba0", Severity::Error),
            ("talos", Severity::Info),
            ("nowhere", Severity::Error),
        ]);
        assert_eq!(counts[ov.tile("srv01").unwrap()], [0, 1, 1]);
        assert_eq!(counts[ov.tile("talos").unwrap()], [1, 0, 0]);
    }

    #[test]
    fn focusing_a_host_keeps_it_and_its_direct_neighbours_only() {
        let t = fleet(20);
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let f = focus(&t, &g, &ov, "h00003").unwrap();
        assert!(f.vms.iter().filter(|v| v.host == "h00003").count() == 10);
        assert!(f.hosts.iter().any(|h| h.id == "h00003"));
        // Far fewer than the whole site, but what the host's VMs need is there.
        assert!(drawn_components(&f) < drawn_components(&t) / 4);
        assert!(!f.power_feeds.is_empty());
        assert!(!f.consumers.is_empty(), "the clusters its VMs belong to");
        // Every kept component's host is kept as a frame.
        for v in &f.vms {
            assert!(f.hosts.iter().any(|h| h.id == v.host), "{}", v.id);
        }
        assert!(
            focus(&t, &g, &ov, "h00003-vm01").is_none(),
            "a VM is not a tile"
        );
        assert!(focus(&t, &g, &ov, "nope").is_none());
    }

    #[test]
    fn a_host_tile_line_follows_its_ram_and_nothing_else_moves() {
        let t = fleet(12);
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        assert_eq!(
            ov.details(&t),
            ov.tiles
                .iter()
                .map(|x| x.detail.clone())
                .collect::<Vec<_>>()
        );
        let mut u = t.clone();
        u.hosts[3].ram_gib = 4096;
        u.vms[0].memory_mib = 1;
        let details = ov.details(&u);
        let fresh = overview(&u, &DependencyGraph::build(&u));
        for (i, (kept, new)) in details.iter().zip(&fresh.tiles).enumerate() {
            assert_eq!(*kept, new.detail, "tile {i}");
            assert_eq!(i == 3, *kept != ov.tiles[i].detail, "tile {i}: {kept}");
        }
        assert!(details[3].ends_with(" · 4096 GiB"), "{}", details[3]);
    }

    #[test]
    fn strays_get_their_own_tiles() {
        let mut t = crate::examples::seed().unwrap();
        t.vms[1].host = "nowhere".into();
        let g = DependencyGraph::build(&t);
        let ov = overview(&t, &g);
        let i = ov.tile(&t.vms[1].id).unwrap();
        assert_eq!(ov.tiles[i].kind, TileKind::Stray);
        let members: usize = ov.tiles.iter().map(|x| x.members.len()).sum();
        assert_eq!(members, drawn_components(&t) + t.hosts.len());
    }
}
