//! Reading a file again after an edit, entry-wise (`hostplan::check_edit`), against the
//! reference: the whole edited text read by `hostplan::check`. Chains of random edits on the
//! seed, on every usable validation case and on generated fleets (one large enough for the
//! batched reader, one full of errors) — values validation does not read, references in and
//! out, renames onto other ids, unknown keys, removed fields, nested lists, refused values,
//! deleted entries — must give the same text, model and located diagnostics either way.

use hostplan::diag::DataPath;
use hostplan::model::section::Section;
use hostplan::model::Topology;
use hostplan::sim::generate::{generate, FleetSpec, Shape};
use hostplan::source::Format;
use serde_json::{json, Value};

/// A small deterministic generator (no dependency, same sequence everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> Option<&'a T> {
        xs.get(self.below(xs.len()))
    }
}

/// An id of `section` in `t`, or a made-up one now and then (an unknown reference).
fn some_id(rng: &mut Rng, t: &Topology, section: Section) -> Value {
    let ids: Vec<&str> = section.ids(t).collect();
    match rng.pick(&ids) {
        Some(id) if rng.below(5) > 0 => json!(id),
        _ => json!(format!("nowhere-{}", rng.below(3))),
    }
}

/// A random edit of `t`: a path and the value to set there (`None` removes).
fn random_edit(rng: &mut Rng, t: &Topology) -> (String, Option<Value>) {
    let sections: Vec<Section> = Section::ALL.into_iter().filter(|s| s.len(t) > 0).collect();
    let Some(&section) = rng.pick(&sections) else {
        return ("site.name".into(), Some(json!("lab")));
    };
    let i = rng.below(section.len(t));
    let at = |field: &str| format!("{}[{i}].{field}", section.key());
    let n = || json!(1 + (i * 7919) % 70_000);
    match (section, rng.below(12)) {
        // Values validation does not read.
        (Section::Vms, 0..=2) => (at("memory_mib"), Some(n())),
        (Section::Vms, 3) => (at("balloon_mib"), None),
        (Section::Vms, 4) => (at("startup"), Some(json!({ "order": rng.below(9) }))),
        (Section::Hosts, 0..=2) => (at("ram_gib"), Some(json!(rng.below(512)))),
        (Section::Hosts, 3) => (at("kernel_cmdline"), Some(json!(["quiet", "iommu=pt"]))),
        // References out of the entry, and what validation reads.
        (Section::Vms, 5) => (at("host"), Some(some_id(rng, t, Section::Hosts))),
        (Section::Vms, 6) => (at("boot_storage"), Some(some_id(rng, t, Section::Storages))),
        (Section::Vms, 7) => (at("onboot"), Some(json!(rng.below(2) == 0))),
        (Section::Vms, 8) => (at("vmid"), Some(json!(100 + rng.below(40)))),
        (Section::Vms, 9) if t.vms[i].hostpci.is_empty() => (
            at("hostpci[0]"),
            Some(json!({ "index": 0, "device": some_id(rng, t, Section::Devices) })),
        ),
        (Section::Vms, 9) => (at("hostpci[0]"), None),
        (Section::Vms, 10) if !t.vms[i].nics.is_empty() => (
            at("nics[0].network"),
            Some(some_id(rng, t, Section::Networks)),
        ),
        (Section::Devices | Section::Disks | Section::Storages, 5..=7) => {
            (at("host"), Some(some_id(rng, t, Section::Hosts)))
        }
        (Section::Devices, 8) => (
            at("address"),
            Some(json!(format!("0000:0{}:00.0", rng.below(4)))),
        ),
        // A value of the wrong type: the file becomes unreadable, the edit is refused.
        (_, 8) if rng.below(3) == 0 => (at("id"), Some(json!(7))),
        // Renames: onto another entry's id (a duplicate), back, or to a fresh id (what
        // referred to the old one now dangles).
        (_, 9) if section.is_entity() => {
            let other = some_id(rng, t, section);
            (at("id"), Some(other))
        }
        (_, 10) if section.is_entity() => (at("id"), Some(json!(format!("renamed-{i}")))),
        // A key the format does not know, and taking it away again.
        (_, 11) => (at("colour"), Some(json!("red"))),
        (_, 10) => (at("colour"), None),
        // Deleting the entry (read whole: every later entry's index moves).
        (_, 7) if rng.below(4) == 0 => (format!("{}[{i}]", section.key()), None),
        _ => (
            at("description"),
            Some(json!(format!("edited {}", rng.below(100)))),
        ),
    }
}

/// Apply `steps` random edits one after the other, each read both ways; returns how many were
/// read entry-wise.
fn chain(name: &str, text: &str, seed: u64, steps: usize) -> usize {
    let mut rng = Rng(seed);
    let first = hostplan::check(name, text.as_bytes());
    let Some(mut topology) = first.topology else {
        return 0;
    };
    let mut text = first.source.text;
    let mut diagnostics = first.diagnostics;
    let mut entry_wise = 0;
    for step in 0..steps {
        let (path, value) = random_edit(&mut rng, &topology);
        let data_path = DataPath::parse(&path);
        let current = hostplan::Current {
            name,
            text: &text,
            topology: &topology,
            diagnostics: &diagnostics,
        };
        let Ok(edited) = hostplan::document::set(&text, &data_path, value.as_ref()) else {
            assert!(
                hostplan::check_edit(current, &data_path, value.as_ref()).is_err(),
                "{name} step {step}: `{path}` cannot be written, yet check_edit wrote it"
            );
            continue;
        };
        let full = hostplan::check(name, edited.as_bytes());
        let fast = hostplan::check_entry_edit(current, &data_path, value.as_ref());
        entry_wise += usize::from(fast.is_some());
        let got = hostplan::check_edit(current, &data_path, value.as_ref()).unwrap();
        // The web page's TOML-only readers give the same for a TOML file (its worker reads
        // JSON).
        let toml = Format::detect(name, text.as_bytes()) == Format::Toml;
        let (page_edit, page_read) = if toml {
            (
                hostplan::check_edit_toml(current, &data_path, value.as_ref()).ok(),
                Some(hostplan::check_toml(name, edited.as_bytes())),
            )
        } else {
            (None, None)
        };
        for (way, got) in [
            ("check_edit", Some(got)),
            ("entry-wise", fast),
            ("check_edit_toml", page_edit),
            ("check_toml", page_read),
        ] {
            let Some(got) = got else { continue };
            let what = format!("{name} step {step}, {way}: {path} = {value:?}");
            assert_eq!(got.source.text, full.source.text, "{what}");
            assert_eq!(got.topology, full.topology, "{what}");
            assert_eq!(got.diagnostics, full.diagnostics, "{what}");
        }
        // A refused edit keeps the current version, as the web app does.
        if let Some(t) = full.topology {
            topology = t;
            text = full.source.text;
            diagnostics = full.diagnostics;
        }
    }
    entry_wise
}

fn fleet(spec: &FleetSpec) -> String {
    toml::to_string(&generate(spec)).unwrap()
}

#[test]
fn random_edits_of_the_seed_read_entry_wise_equal_a_whole_read() {
    let mut entry_wise = 0;
    for seed in 0..12 {
        entry_wise += chain("seed.toml", hostplan::examples::SEED, seed, 40);
    }
    // Most edits stay inside one entry: the entry-wise way must have been taken, not only the
    // whole read it falls back to.
    assert!(
        entry_wise > 300,
        "only {entry_wise} of 480 edits read entry-wise"
    );
}

#[test]
fn random_edits_of_every_validation_case_read_entry_wise_equal_a_whole_read() {
    let mut entry_wise = 0;
    for file in crate::case_files("cases/validate", &["toml", "json"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for seed in 0..4 {
            entry_wise += chain(&name, &text, seed, 25);
        }
    }
    assert!(entry_wise > 500, "only {entry_wise} edits read entry-wise");
}

#[test]
fn random_edits_of_generated_fleets_read_entry_wise_equal_a_whole_read() {
    // Errors everywhere: every general VM's boot storage is misspelled.
    let errors = fleet(&FleetSpec {
        hosts: 12,
        shape: Shape::Errors,
        ..FleetSpec::default()
    });
    let chained = fleet(&FleetSpec {
        hosts: 8,
        shape: Shape::Chain,
        ..FleetSpec::default()
    });
    let mut entry_wise = 0;
    for seed in 0..3 {
        entry_wise += chain("errors.toml", &errors, seed, 30);
        entry_wise += chain("chain.toml", &chained, seed, 30);
    }
    assert!(entry_wise > 100, "only {entry_wise} edits read entry-wise");
}

#[test]
fn edits_of_a_file_read_in_batches_read_entry_wise_equal_a_whole_read() {
    // Over 1 MiB: the whole read goes through the batched reader (`source::toml_chunks`).
    let big = fleet(&FleetSpec {
        hosts: 400,
        ..FleetSpec::default()
    });
    assert!(big.len() > 1 << 20, "{} bytes", big.len());
    assert!(chain("big.toml", &big, 7, 6) >= 3);
}

#[test]
fn the_toml_only_reader_refuses_json_with_a_located_error() {
    let json = serde_json::to_string(&hostplan::examples::seed().unwrap()).unwrap();
    assert!(hostplan::check("seed.json", json.as_bytes())
        .topology
        .is_some());
    let refused = hostplan::check_toml("seed.json", json.as_bytes());
    assert!(refused.topology.is_none());
    assert_eq!(refused.diagnostics.len(), 1);
    assert!(refused.diagnostics[0].message.contains("TOML only"));
    assert_eq!(refused.diagnostics[0].location.as_ref().unwrap().line, 1);
}

/// `check_toml` (the page's reader: the model's deserializer unwrapped, unknown keys found
/// beside the schema, the failing value found by its span) against `check` (the wrapped
/// reader) on one text.
fn same_reading(name: &str, text: &str) {
    let full = hostplan::check(name, text.as_bytes());
    let page = hostplan::check_toml(name, text.as_bytes());
    let tail = &text[text.len().saturating_sub(160)..];
    assert_eq!(page.diagnostics, full.diagnostics, "{name}: …{tail}");
    assert_eq!(page.topology, full.topology, "{name}: …{tail}");
}

#[test]
fn the_pages_reader_reads_every_toml_case_as_check_does() {
    let mut files = 0;
    for dir in [
        "cases/validate",
        "cases/policy",
        "cases/boot",
        "cases/simulate",
        "cases/maintain",
        "cases/outage",
        "cases/power",
        "cases/compare",
    ] {
        for file in crate::case_files(dir, &["toml"]) {
            let text = std::fs::read_to_string(&file).unwrap();
            same_reading(&file.display().to_string(), &text);
            files += 1;
        }
    }
    assert!(files > 90, "only {files} case files");
    for (name, text) in hostplan::examples::ALL {
        same_reading(name, text);
    }
}

#[test]
fn the_pages_reader_finds_unknown_keys_and_refused_values_where_check_does() {
    let seed = hostplan::examples::SEED;
    // Unknown keys at every depth: the top, a section entry, a nested table, a table in an
    // `Option`, a list of tables inside an entry, an inline table, a value whose type has
    // several forms (read as a whole: none reported inside).
    let unknown = [
        "colour = 1\n",
        "\"$schema\" = \"x\"\n",
        "[site]\nname = \"lab\"\nweather = \"fine\"\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 900\nmood = \"ok\"\n[[vms.nics]]\nnetwork = \"lan\"\nspeed = 3\n",
        "[[vms]]\nid = \"y\"\nhost = \"srv01\"\nvmid = 901\nstartup = { order = 1, when = 2 }\n",
        "[cluster]\nname = \"c\"\nsize = 3\n",
        "[[hosts]]\nid = \"h9\"\nkernel_cmdline = [\"quiet\"]\n[hosts.bios]\nx = 1\n",
    ];
    for extra in unknown {
        same_reading("extra.toml", &format!("{seed}\n{extra}"));
        same_reading("extra.toml", &format!("schema_version = 1\n{extra}"));
    }
    // Values the model refuses, at every depth: each must be reported at the same path and
    // position with the same words.
    let refused = [
        "[[vms]]\nid = 7\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = \"nine\"\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 900\nmemory_mib = -4\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 900\n[[vms.nics]]\nnetwork = 5\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 900\nnics = [{ network = \"lan\" }, { network = [] }]\n",
        "[[vms]]\nhost = \"srv01\"\n",
        "[[devices]]\nid = \"d\"\nhost = \"srv01\"\nkind = \"toaster\"\n",
        "[[hosts]]\nid = \"h\"\nkernel_cmdline = \"quiet\"\n",
        "[[hosts]]\nid = \"h\"\nram_gib = 1979-05-27\n",
        "[cluster]\nname = 4\n",
        "site = 3\n",
        "vms = 3\n",
        "vms = [1, 2]\n",
    ];
    for bad in refused {
        same_reading("bad.toml", &format!("{seed}\n{bad}"));
        same_reading("bad.toml", &format!("schema_version = 1\n{bad}"));
    }
}

/// What JSON cannot carry (the page's reader reads the model from the document written as
/// JSON): non-finite floats in every float field the format has, values `toml` refuses
/// whatever reads them, datetimes, control characters and quotes in strings and keys.
#[test]
fn the_pages_reader_reads_what_json_cannot_carry_as_check_does() {
    let seed = hostplan::examples::SEED;
    let floats = |x: &str| {
        format!(
            "[[hosts]]\nid = \"h9\"\nmtbf_hours = {x}\nmttr_hours = {x}\n\
             [[devices]]\nid = \"d9\"\nhost = \"h9\"\nkind = \"nic\"\nmtbf_hours = {x}\nmttr_hours = {x}\n\
             nic = {{ ports = 1, speed_gbps = {x} }}\n\
             [[disks]]\nid = \"k9\"\nhost = \"h9\"\nmtbf_hours = {x}\nmttr_hours = {x}\n\
             [[consumers]]\nid = \"c9\"\nkind = \"kubernetes\"\nbackoff = {{ initial_s = {x}, factor = {x}, max_s = {x} }}\n\
             [[ups]]\nid = \"u9\"\nruntime = [{{ load_w = 100, minutes = {x} }}]\n"
        )
    };
    // Finite ones too: JSON's reader must give the same f64 as TOML's for the shortest
    // digits of any float, long ones and tiny ones included.
    for x in [
        "inf",
        "-inf",
        "+inf",
        "1.5",
        "5e-324",
        "0.1",
        "0.30000000000000004",
        "123456.78901234567",
        "2.2250738585072014e-308",
        "1.7976931348623157e308",
        "-0.0",
        "9007199254740993.0",
        "1e16",
    ] {
        same_reading("floats.toml", &format!("{seed}\n{}", floats(x)));
    }
    // NaN is not equal to itself: compared as text.
    for x in ["nan", "-nan"] {
        let text = format!("{seed}\n{}", floats(x));
        let full = hostplan::check("nan.toml", text.as_bytes());
        let page = hostplan::check_toml("nan.toml", text.as_bytes());
        assert!(format!("{:?}", full.topology).contains("NaN"));
        assert_eq!(
            format!("{:?}", page.topology),
            format!("{:?}", full.topology)
        );
        assert_eq!(
            format!("{:?}", page.diagnostics),
            format!("{:?}", full.diagnostics)
        );
    }
    let odd = [
        // Refused whatever reads them, also where nothing reads them (an unknown key).
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 99999999999999999999999999999999999999999\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 900\nmood = 99999999999999999999999999999999999999999\n",
        "[[hosts]]\nid = \"h\"\nmtbf_hours = 1e400\n",
        // Non-finite where the model wants another type: named as written.
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = inf\n",
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = nan\n",
        // Integers past i64 (u64 still), negative, hexadecimal.
        "[[vms]]\nid = \"x\"\nhost = \"srv01\"\nvmid = 0xff\nmemory_mib = -1\n",
        // Datetimes where a string, a number and a table are wanted.
        "[[vms]]\nid = 1979-05-27\nhost = \"srv01\"\nvmid = 900\n",
        "[[hosts]]\nid = \"h\"\nbios = 07:32:00\n",
        // An enum's word given as a number, a list and a table.
        "[[devices]]\nid = \"d\"\nhost = \"srv01\"\nkind = 3\n",
        "[[devices]]\nid = \"d\"\nhost = \"srv01\"\nkind = [\"nic\"]\n",
        "[[devices]]\nid = \"d\"\nhost = \"srv01\"\nkind = { nic = {} }\n",
        // Quotes, backslashes and control characters in strings and keys.
        "[[vms]]\nid = \"a\\\"b\\\\c\\u0001\\n\\t\"\nhost = \"srv01\"\nvmid = 902\n\"we\\\"ird\\u0002\" = 1\n",
        "[site]\nname = \"\"\"\nline one\nline \"two\"\n\"\"\"\n",
    ];
    for bad in odd {
        same_reading("odd.toml", &format!("{seed}\n{bad}"));
        same_reading("odd.toml", &format!("schema_version = 1\n{bad}"));
    }
}

/// The page's reader puts non-finite floats back field by field: it must know every float
/// field of the format (a new one needs a line in `toml_plain::restore_floats`).
#[test]
fn the_pages_reader_knows_every_float_field() {
    fn numbers(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                let is_number = |t: &Value| {
                    t == "number"
                        || t.as_array()
                            .is_some_and(|ts| ts.iter().any(|t| t == "number"))
                };
                if m.get("type").is_some_and(is_number) {
                    out.push(String::new());
                }
                for (k, x) in m {
                    let before = out.len();
                    numbers(x, out);
                    for n in &mut out[before..] {
                        if n.is_empty() {
                            *n = k.clone();
                        }
                    }
                }
            }
            Value::Array(xs) => xs.iter().for_each(|x| numbers(x, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    numbers(&hostplan::schema::published(), &mut found);
    found.sort();
    assert_eq!(
        found,
        [
            "factor",
            "initial_s",
            "max_s",
            "minutes",
            "mtbf_hours",
            "mtbf_hours",
            "mtbf_hours",
            "mttr_hours",
            "mttr_hours",
            "mttr_hours",
            "speed_gbps"
        ],
    );
}

#[test]
fn positions_after_the_edited_entry_move_with_the_lines_it_lost() {
    // Two unknown hosts, one in the first VM and one in the second; removing the first VM's
    // `role` line moves the second diagnostic up a line.
    let text = "schema_version = 1\n\n[[hosts]]\nid = \"h\"\n\n[[vms]]\nid = \"a\"\nvmid = 100\nrole = \"db\"\nhost = \"x\"\n\n[[vms]]\nid = \"b\"\nvmid = 101\nhost = \"y\"\n";
    let first = hostplan::check("t.toml", text.as_bytes());
    let t = first.topology.clone().unwrap();
    let line = |r: &hostplan::Report, id: &str| {
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.id.as_deref() == Some(id))
            .unwrap();
        d.location.as_ref().unwrap().line
    };
    assert_eq!((line(&first, "x"), line(&first, "y")), (10, 15));
    let current = hostplan::Current {
        name: "t.toml",
        text: &first.source.text,
        topology: &t,
        diagnostics: &first.diagnostics,
    };
    let path = DataPath::parse("vms[0].role");
    let after = hostplan::check_entry_edit(current, &path, None).unwrap();
    assert_eq!(
        (line(&after, "x"), line(&after, "y")),
        (9, 14),
        "{}",
        after.source.text
    );
    let full = hostplan::check("t.toml", after.source.text.as_bytes());
    assert_eq!(after.diagnostics, full.diagnostics);
}

/// `validate::scope` says validation does not read these fields: then no value in them may
/// change a diagnostic or the dependency graph. Every listed field of every entry is set to
/// values of every shape that reads back (zero, huge, empty, odd text, lists, tables,
/// nothing), in the seed, every validation case and a fleet full of errors.
#[test]
fn values_of_fields_validation_does_not_read_change_no_diagnostic() {
    let candidates = [
        json!(0),
        json!(1),
        json!(4_294_967_295_u64),
        json!(0.5),
        json!(1e12),
        json!(""),
        json!("weird # value\nwith a line break"),
        json!(true),
        json!(false),
        Value::Null,
        json!([]),
        json!(["quiet", "", "iommu=pt"]),
        json!({}),
        json!({ "order": 0, "up_s": 0, "down_s": 0 }),
        json!({ "order": 4_294_967_295_u64 }),
    ];
    let mut models: Vec<(String, Topology)> =
        vec![("seed".into(), hostplan::examples::seed().unwrap())];
    for file in crate::case_files("cases/validate", &["toml", "json"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.display().to_string();
        if let Some(t) = hostplan::check(&name, text.as_bytes()).topology {
            models.push((name, t));
        }
    }
    models.push((
        "errors fleet".into(),
        generate(&FleetSpec {
            hosts: 6,
            shape: Shape::Errors,
            ..FleetSpec::default()
        }),
    ));
    let mut tried = 0;
    // The dependency graph too: the web app keeps it across such an edit (`web/src/state.rs`).
    let graph_of = |t: &Topology| {
        let g = hostplan::graph::DependencyGraph::build(t);
        let nodes: Vec<hostplan::graph::Node> = g.nodes().map(|(_, n)| n.clone()).collect();
        let edges: Vec<(String, String, hostplan::graph::Edge)> = g
            .edges()
            .into_iter()
            .map(|(a, b, e)| (a.to_owned(), b.to_owned(), e))
            .collect();
        (nodes, edges)
    };
    // And the overview of a large site: the web app keeps it too and makes only its tiles'
    // lines again (`Overview::details`), so it must be the overview built afresh.
    let overview_of = |t: &Topology| {
        hostplan::export::overview::overview(t, &hostplan::graph::DependencyGraph::build(t))
    };
    for (name, t) in &models {
        let before = hostplan::validate::validate(t);
        let graph = graph_of(t);
        let overview = overview_of(t);
        let json = serde_json::to_value(t).unwrap();
        for section in Section::ALL {
            for field in hostplan::validate::scope::unread_fields(section) {
                for value in &candidates {
                    let mut changed = json.clone();
                    let Some(items) = changed.get_mut(section.key()).and_then(Value::as_array_mut)
                    else {
                        continue;
                    };
                    if items.is_empty() {
                        continue;
                    }
                    for item in items.iter_mut() {
                        item[*field] = value.clone();
                    }
                    let Ok(u) = serde_json::from_value::<Topology>(changed) else {
                        continue;
                    };
                    tried += 1;
                    assert_eq!(
                        hostplan::validate::validate(&u),
                        before,
                        "{name}: {}.{field} = {value} changed validation",
                        section.key()
                    );
                    assert!(
                        graph_of(&u) == graph,
                        "{name}: {}.{field} = {value} changed the dependency graph",
                        section.key()
                    );
                    let mut kept = overview.clone();
                    for (tile, detail) in kept.tiles.iter_mut().zip(overview.details(&u)) {
                        tile.detail = detail;
                    }
                    assert!(
                        kept == overview_of(&u),
                        "{name}: {}.{field} = {value}: the kept overview is not the new one",
                        section.key()
                    );
                }
            }
        }
    }
    assert!(tried > 500, "only {tried} variants read back");
}
