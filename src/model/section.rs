//! The top-level lists of a topology file: the one table of them that validation, import
//! merging, the policy report and the web editor all read, so a new kind of entity is added
//! here once.

use super::{
    Consumer, Device, Disk, Host, Link, Mapping, Network, Pool, PowerFeed, Service, Storage,
    Switch, Topology, Ups, Vm, Waiver,
};

/// A top-level list of a topology, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// `power_feeds`.
    PowerFeeds,
    /// `ups`.
    Ups,
    /// `hosts`.
    Hosts,
    /// `devices`.
    Devices,
    /// `mappings` (their names are a namespace of their own, as in Proxmox).
    Mappings,
    /// `disks`.
    Disks,
    /// `storages`.
    Storages,
    /// `pools`.
    Pools,
    /// `networks`.
    Networks,
    /// `switches`.
    Switches,
    /// `links`.
    Links,
    /// `vms`.
    Vms,
    /// `services`.
    Services,
    /// `consumers`.
    Consumers,
    /// `waivers` (no id: a rule and a resource).
    Waivers,
}

impl Section {
    /// Every section, in file order.
    pub const ALL: [Section; 15] = [
        Section::PowerFeeds,
        Section::Ups,
        Section::Hosts,
        Section::Devices,
        Section::Mappings,
        Section::Disks,
        Section::Storages,
        Section::Pools,
        Section::Networks,
        Section::Switches,
        Section::Links,
        Section::Vms,
        Section::Services,
        Section::Consumers,
        Section::Waivers,
    ];

    /// Its key in the file (`power_feeds`).
    pub fn key(self) -> &'static str {
        match self {
            Self::PowerFeeds => "power_feeds",
            Self::Ups => "ups",
            Self::Switches => "switches",
            Self::Links => "links",
            Self::Hosts => "hosts",
            Self::Devices => "devices",
            Self::Mappings => "mappings",
            Self::Disks => "disks",
            Self::Storages => "storages",
            Self::Pools => "pools",
            Self::Networks => "networks",
            Self::Vms => "vms",
            Self::Services => "services",
            Self::Consumers => "consumers",
            Self::Waivers => "waivers",
        }
    }

    /// The section whose key is `key`.
    pub fn from_key(key: &str) -> Option<Section> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// The JSON Schema definition of its items (`PowerFeed`), as `hostplan schema` names it.
    pub fn schema_def(self) -> &'static str {
        match self {
            Self::PowerFeeds => "PowerFeed",
            Self::Ups => "Ups",
            Self::Switches => "Switch",
            Self::Links => "Link",
            Self::Hosts => "Host",
            Self::Devices => "Device",
            Self::Mappings => "Mapping",
            Self::Disks => "Disk",
            Self::Storages => "Storage",
            Self::Pools => "Pool",
            Self::Networks => "Network",
            Self::Vms => "Vm",
            Self::Services => "Service",
            Self::Consumers => "Consumer",
            Self::Waivers => "Waiver",
        }
    }

    /// Whether its ids share the one entity namespace (mappings have their own; waivers none).
    pub fn is_entity(self) -> bool {
        !matches!(self, Self::Mappings | Self::Waivers)
    }

    /// Number of items in `t`.
    pub fn len(self, t: &Topology) -> usize {
        match self {
            Self::PowerFeeds => t.power_feeds.len(),
            Self::Ups => t.ups.len(),
            Self::Switches => t.switches.len(),
            Self::Links => t.links.len(),
            Self::Hosts => t.hosts.len(),
            Self::Devices => t.devices.len(),
            Self::Mappings => t.mappings.len(),
            Self::Disks => t.disks.len(),
            Self::Storages => t.storages.len(),
            Self::Pools => t.pools.len(),
            Self::Networks => t.networks.len(),
            Self::Vms => t.vms.len(),
            Self::Services => t.services.len(),
            Self::Consumers => t.consumers.len(),
            Self::Waivers => t.waivers.len(),
        }
    }

    /// The id of item `i` in `t` (a mapping's name; `None` for waivers and past the end).
    pub fn id_at(self, t: &Topology, i: usize) -> Option<&str> {
        let id = match self {
            Self::PowerFeeds => &t.power_feeds.get(i)?.id,
            Self::Ups => &t.ups.get(i)?.id,
            Self::Switches => &t.switches.get(i)?.id,
            Self::Links => &t.links.get(i)?.id,
            Self::Hosts => &t.hosts.get(i)?.id,
            Self::Devices => &t.devices.get(i)?.id,
            Self::Mappings => &t.mappings.get(i)?.id,
            Self::Disks => &t.disks.get(i)?.id,
            Self::Storages => &t.storages.get(i)?.id,
            Self::Pools => &t.pools.get(i)?.id,
            Self::Networks => &t.networks.get(i)?.id,
            Self::Vms => &t.vms.get(i)?.id,
            Self::Services => &t.services.get(i)?.id,
            Self::Consumers => &t.consumers.get(i)?.id,
            Self::Waivers => return None,
        };
        Some(id)
    }

    /// The id of item `i` in `t`, to change (as [`Section::id_at`]).
    pub fn id_at_mut(self, t: &mut Topology, i: usize) -> Option<&mut String> {
        let id = match self {
            Self::PowerFeeds => &mut t.power_feeds.get_mut(i)?.id,
            Self::Ups => &mut t.ups.get_mut(i)?.id,
            Self::Switches => &mut t.switches.get_mut(i)?.id,
            Self::Links => &mut t.links.get_mut(i)?.id,
            Self::Hosts => &mut t.hosts.get_mut(i)?.id,
            Self::Devices => &mut t.devices.get_mut(i)?.id,
            Self::Mappings => &mut t.mappings.get_mut(i)?.id,
            Self::Disks => &mut t.disks.get_mut(i)?.id,
            Self::Storages => &mut t.storages.get_mut(i)?.id,
            Self::Pools => &mut t.pools.get_mut(i)?.id,
            Self::Networks => &mut t.networks.get_mut(i)?.id,
            Self::Vms => &mut t.vms.get_mut(i)?.id,
            Self::Services => &mut t.services.get_mut(i)?.id,
            Self::Consumers => &mut t.consumers.get_mut(i)?.id,
            Self::Waivers => return None,
        };
        Some(id)
    }

    /// The ids of its items, in order (empty for waivers).
    pub fn ids(self, t: &Topology) -> impl Iterator<Item = &str> {
        (0..self.len(t)).filter_map(move |i| self.id_at(t, i))
    }

    /// The JSON form of item `i` of `t` (`None` past the end): what a form for that one entry
    /// reads, without serialising the whole model.
    pub fn item_json(self, t: &Topology, i: usize) -> Option<serde_json::Value> {
        fn json<T: serde::Serialize>(item: Option<&T>) -> Option<serde_json::Value> {
            serde_json::to_value(item?).ok()
        }
        match self {
            Self::PowerFeeds => json(t.power_feeds.get(i)),
            Self::Ups => json(t.ups.get(i)),
            Self::Switches => json(t.switches.get(i)),
            Self::Links => json(t.links.get(i)),
            Self::Hosts => json(t.hosts.get(i)),
            Self::Devices => json(t.devices.get(i)),
            Self::Mappings => json(t.mappings.get(i)),
            Self::Disks => json(t.disks.get(i)),
            Self::Storages => json(t.storages.get(i)),
            Self::Pools => json(t.pools.get(i)),
            Self::Networks => json(t.networks.get(i)),
            Self::Vms => json(t.vms.get(i)),
            Self::Services => json(t.services.get(i)),
            Self::Consumers => json(t.consumers.get(i)),
            Self::Waivers => json(t.waivers.get(i)),
        }
    }

    /// The JSON form of a default item: the format's defaults.
    pub fn default_item(self) -> serde_json::Value {
        fn json<T: serde::Serialize + Default>() -> serde_json::Value {
            serde_json::to_value(T::default()).unwrap_or(serde_json::Value::Null)
        }
        match self {
            Self::PowerFeeds => json::<PowerFeed>(),
            Self::Ups => json::<Ups>(),
            Self::Switches => json::<Switch>(),
            Self::Links => json::<Link>(),
            Self::Hosts => json::<Host>(),
            Self::Devices => json::<Device>(),
            Self::Mappings => json::<Mapping>(),
            Self::Disks => json::<Disk>(),
            Self::Storages => json::<Storage>(),
            Self::Pools => json::<Pool>(),
            Self::Networks => json::<Network>(),
            Self::Vms => json::<Vm>(),
            Self::Services => json::<Service>(),
            Self::Consumers => json::<Consumer>(),
            Self::Waivers => json::<Waiver>(),
        }
    }
}

impl std::fmt::Display for Section {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// The id of the entity whose entry holds `path` (`vms[0].hostpci[1]` → the first VM's id):
/// where a diagnostic about a field points on the graph. Mappings and waivers are not drawn.
pub fn owner_id<'t>(t: &'t Topology, path: &crate::diag::DataPath) -> Option<&'t str> {
    use crate::diag::Segment;
    let (Some(Segment::Key(key)), Some(Segment::Index(i))) = (path.0.first(), path.0.get(1)) else {
        return None;
    };
    let section = Section::from_key(key).filter(|s| s.is_entity())?;
    section.id_at(t, *i as usize)
}
