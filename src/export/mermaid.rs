//! Mermaid `graph TD` in the style of the seed's own diagram: a subgraph per host holding its
//! devices, disks and storages, a subgraph per VM holding the pools it imports, arrows from
//! what is required to what requires it, and passthrough links labelled and drawn red/dashed.

use super::diagram::{self, Diagram};
use crate::model::Topology;
use std::fmt::Write as _;

/// Mermaid text is HTML-ish: quotes and angle brackets become entity codes, so a name can never
/// break out of its label. `#` goes first (it starts Mermaid's own entity codes, so `#quot;` in
/// a name must stay text); `%` becomes `#37;` so no `%%{init: …}%%` directive or `%%` comment can
/// form anywhere in the file; a backtick would turn the label into Markdown; `:` becomes `#58;`
/// because Mermaid's pre-parser edits any line matching `style.*:\S*#.*;` (it drops the last
/// `;`, meant for `style` statements), which a label could otherwise match. Line breaks of any
/// kind become spaces.
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '%' => out.push_str("#37;"),
            '`' => out.push_str("#96;"),
            ':' => out.push_str("#58;"),
            c if c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A group's title: our own `kind: ` prefix as it is, the name escaped.
fn title(g: &diagram::Group) -> String {
    format!("{}: {}", g.kind, label(&g.name))
}

/// Mermaid's default `maxEdges`: a diagram with more arrows is refused by the renderer.
pub const MAX_EDGES: usize = 500;

/// Mermaid's default `maxTextSize` in characters: longer text is refused by the renderer.
pub const MAX_TEXT: usize = 50_000;

/// Render the diagram as one Mermaid text (whatever its size; see [`export_parts`]).
pub fn export(t: &Topology) -> String {
    let d = diagram::build(t);
    let blocks: Vec<usize> = (0..block_count(&d)).collect();
    render(&d, &blocks, &vec![0; d.nodes.len()], None)
}

/// Render the diagram as Mermaid texts that each stay within Mermaid's default limits
/// ([`MAX_EDGES`] arrows, [`MAX_TEXT`] characters): one text when the whole diagram fits,
/// otherwise whole hosts (and loose entities) per part, each arrow drawn in the part of the
/// entity that requires, its requirement shown there as a stub naming the part it is in. A
/// single host too large for a part is drawn alone and may still pass the limits.
pub fn export_parts(t: &Topology) -> Vec<String> {
    let d = diagram::build(t);
    let n_blocks = block_count(&d);
    let mut block_of = vec![0usize; d.nodes.len()];
    for b in 0..n_blocks {
        for n in block_nodes(&d, b) {
            block_of[n] = b;
        }
    }
    // Each block's cost: its text and the arrows drawn in it (those into its nodes), with a
    // stub for each requirement elsewhere (counted as if every one were).
    let mut edges = vec![0usize; n_blocks];
    let mut chars = vec![0usize; n_blocks];
    for (b, c) in chars.iter_mut().enumerate() {
        let mut text = String::new();
        block(&mut text, &d, b);
        *c = text.len();
    }
    for e in &d.edges {
        let b = block_of[e.to];
        let (from, to) = (&d.nodes[e.from], &d.nodes[e.to]);
        edges[b] += 1;
        chars[b] += 16 + from.key.len() + to.key.len() + e.label.len();
        if block_of[e.from] != b {
            // A stub, should the requirement land in another part.
            chars[b] += 32 + from.key.len() + label(&from.id).len();
        }
    }
    // Room for the header and the part's comment line.
    let budget = MAX_TEXT - 200;
    let mut parts: Vec<Vec<usize>> = vec![Vec::new()];
    let (mut used_edges, mut used_chars) = (0, 0);
    for b in 0..n_blocks {
        let over = used_edges + edges[b] > MAX_EDGES || used_chars + chars[b] > budget;
        if over && !parts.last().is_some_and(Vec::is_empty) {
            parts.push(Vec::new());
            (used_edges, used_chars) = (0, 0);
        }
        used_edges += edges[b];
        used_chars += chars[b];
        if let Some(p) = parts.last_mut() {
            p.push(b);
        }
    }
    if parts.len() == 1 {
        return vec![render(&d, &parts[0], &block_of, None)];
    }
    let mut part_of_block = vec![0usize; n_blocks];
    for (p, blocks) in parts.iter().enumerate() {
        for &b in blocks {
            part_of_block[b] = p;
        }
    }
    let part_of: Vec<usize> = block_of.iter().map(|&b| part_of_block[b]).collect();
    parts
        .iter()
        .enumerate()
        .map(|(p, blocks)| render(&d, blocks, &part_of, Some((p, parts.len()))))
        .collect()
}

/// Top-level groups, then loose nodes, each one block.
fn block_count(d: &Diagram) -> usize {
    d.groups.len() + d.loose.len()
}

fn block_nodes(d: &Diagram, b: usize) -> Vec<usize> {
    match d.groups.get(b) {
        Some(g) => g
            .nodes
            .iter()
            .chain(g.children.iter().flat_map(|c| c.nodes.iter()))
            .copied()
            .collect(),
        None => vec![d.loose[b - d.groups.len()]],
    }
}

/// Render `blocks`; with `part = Some((p, n))`, only the arrows into their nodes, and a stub
/// for each requirement in another part (`part_of` gives a node's part).
fn render(
    d: &Diagram,
    blocks: &[usize],
    part_of: &[usize],
    part: Option<(usize, usize)>,
) -> String {
    let mut out = String::from("graph TD\n");
    if let Some((p, n)) = part {
        let _ = writeln!(
            out,
            "    %% part {} of {n}: Mermaid draws at most {MAX_EDGES} arrows and {MAX_TEXT} characters",
            p + 1
        );
    }
    let mut inside = vec![false; if part.is_some() { d.nodes.len() } else { 0 }];
    for &b in blocks {
        if part.is_some() {
            for n in block_nodes(d, b) {
                inside[n] = true;
            }
        }
        block(&mut out, d, b);
    }
    let _ = writeln!(out);
    let drawn = |e: &&diagram::Edge| part.is_none() || inside[e.to];
    let mut stubs = Vec::new();
    for e in d.edges.iter().filter(drawn) {
        let (a, b) = (&d.nodes[e.from].key, &d.nodes[e.to].key);
        if part.is_some() && !inside[e.from] && !stubs.contains(&e.from) {
            stubs.push(e.from);
        }
        if e.passthrough {
            let _ = writeln!(out, "    {a} -- PCIe Passthrough --> {b}");
        } else {
            let _ = writeln!(out, "    {a} -- {} --> {b}", e.label);
        }
    }
    for &n in &stubs {
        let x = &d.nodes[n];
        let _ = writeln!(
            out,
            "    {}[\"{}<br/>in part {}\"]",
            x.key,
            label(&x.id),
            part_of[n] + 1
        );
    }
    for n in d
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| n.passed_through && (part.is_none() || inside[*i]))
    {
        let _ = writeln!(
            out,
            "    style {} stroke:#f00,stroke-width:2px,stroke-dasharray: 5 5",
            n.1.key
        );
    }
    out
}

/// Write block `b`: a group with its nodes, or one loose node.
fn block(out: &mut String, d: &Diagram, b: usize) {
    let Some(g) = d.groups.get(b) else {
        let _ = writeln!(out, "    {}", node(d, d.loose[b - d.groups.len()]));
        return;
    };
    let _ = writeln!(out, "    subgraph {}[\"{}\"]", g.key, title(g));
    for n in &g.nodes {
        let _ = writeln!(out, "        {}", node(d, *n));
    }
    for sub in &g.children {
        let _ = writeln!(out, "        subgraph {}[\"{}\"]", sub.key, title(sub));
        for n in &sub.nodes {
            let _ = writeln!(out, "            {}", node(d, *n));
        }
        let _ = writeln!(out, "        end");
    }
    let _ = writeln!(out, "    end");
}

fn node(d: &Diagram, i: usize) -> String {
    let n = &d.nodes[i];
    let text = format!("{}<br/>{}", label(&n.id), label(&n.detail));
    match n.shape {
        diagram::Shape::Disk => format!("{}[(\"{text}\")]", n.key),
        diagram::Shape::Round => format!("{}(\"{text}\")", n.key),
        diagram::Shape::Box => format!("{}[\"{text}\"]", n.key),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_seed_diagram_has_its_passthrough_links_and_subgraphs() {
        let text = super::export(&crate::examples::seed().unwrap());
        assert!(text.starts_with("graph TD\n"));
        assert!(
            text.contains("subgraph host_0[\"Physical Host: srv01\"]"),
            "{text}"
        );
        assert!(text.contains("subgraph vm_0[\"VM: truenas\"]"), "{text}");
        assert_eq!(text.matches("-- PCIe Passthrough -->").count(), 3, "{text}");
        assert!(text.contains("stroke-dasharray: 5 5"));
    }

    #[test]
    fn hostile_names_stay_labels() {
        let mut t = crate::examples::seed().unwrap();
        t.vms[1].id = "x\"]\n<img src=x onerror=alert(1)>".into();
        let text = super::export(&t);
        assert!(!text.contains("<img"), "{text}");
        assert!(text.contains("#lt;img src=x onerror=alert(1)#gt;"));
    }

    #[test]
    fn directives_and_comments_cannot_form() {
        let mut t = crate::examples::seed().unwrap();
        t.vms[1].id = "%%{init: {\"securityLevel\": \"loose\"}}%% `**md**` #quot;".into();
        t.vms[0].id = "a\u{2028}%%b".into();
        let text = super::export(&t);
        assert!(!text.contains('%'), "{text}");
        assert!(!text.contains('`'), "{text}");
        assert!(text.contains("#35;quot;"), "{text}");
        assert_eq!(
            text.lines()
                .filter(|l| l.trim_start().starts_with("subgraph"))
                .count(),
            text.matches("subgraph").count()
        );
    }

    #[test]
    fn a_large_site_is_split_within_mermaids_limits_and_loses_nothing() {
        let t = crate::sim::generate::generate(&crate::sim::generate::FleetSpec {
            hosts: 60,
            ..Default::default()
        });
        let whole = super::export(&t);
        assert!(
            whole.len() > super::MAX_TEXT,
            "the test fleet must need splitting"
        );
        let parts = super::export_parts(&t);
        assert!(parts.len() > 1);
        let arrows = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.contains("-->"))
                .map(|l| l.trim().to_owned())
                .collect()
        };
        let mut all = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            assert!(
                p.len() <= super::MAX_TEXT,
                "part {i}: {} characters",
                p.len()
            );
            assert!(arrows(p).len() <= super::MAX_EDGES, "part {i}");
            assert!(p.starts_with("graph TD\n    %% part "), "part {i}");
            all.extend(arrows(p));
        }
        let mut expected = arrows(&whole);
        expected.sort();
        all.sort();
        assert_eq!(all, expected, "every arrow is drawn exactly once");
        // Every node is defined (not as a stub) in exactly one part.
        let defined = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| !l.contains("-->") && !l.contains("in part "))
                .filter_map(|l| {
                    let l = l.trim();
                    (l.starts_with('n') && l.contains('[') || l.contains('('))
                        .then(|| l.split(['[', '(']).next().unwrap_or("").to_owned())
                })
                .filter(|k| k.starts_with('n'))
                .collect()
        };
        let mut nodes: Vec<String> = parts.iter().flat_map(|p| defined(p)).collect();
        let n = nodes.len();
        nodes.sort();
        nodes.dedup();
        assert_eq!(nodes.len(), n, "a node defined in two parts");
        let mut whole_nodes = defined(&whole);
        whole_nodes.sort();
        assert_eq!(nodes, whole_nodes);
        // The seed fits, and is the whole diagram.
        let seed = crate::examples::seed().unwrap();
        assert_eq!(super::export_parts(&seed), vec![super::export(&seed)]);
    }
}
