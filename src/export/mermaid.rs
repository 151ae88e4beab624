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

/// Render the diagram.
pub fn export(t: &Topology) -> String {
    let d: Diagram = diagram::build(t);
    let mut out = String::from("graph TD\n");
    for g in &d.groups {
        let _ = writeln!(out, "    subgraph {}[\"{}\"]", g.key, title(g));
        for n in &g.nodes {
            let _ = writeln!(out, "        {}", node(&d, *n));
        }
        for sub in &g.children {
            let _ = writeln!(out, "        subgraph {}[\"{}\"]", sub.key, title(sub));
            for n in &sub.nodes {
                let _ = writeln!(out, "            {}", node(&d, *n));
            }
            let _ = writeln!(out, "        end");
        }
        let _ = writeln!(out, "    end");
    }
    for n in &d.loose {
        let _ = writeln!(out, "    {}", node(&d, *n));
    }
    let _ = writeln!(out);
    for e in &d.edges {
        let (a, b) = (&d.nodes[e.from].key, &d.nodes[e.to].key);
        if e.passthrough {
            let _ = writeln!(out, "    {a} -- PCIe Passthrough --> {b}");
        } else {
            let _ = writeln!(out, "    {a} -- {} --> {b}", e.label);
        }
    }
    for n in d.nodes.iter().filter(|n| n.passed_through) {
        let _ = writeln!(
            out,
            "    style {} stroke:#f00,stroke-width:2px,stroke-dasharray: 5 5",
            n.key
        );
    }
    out
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
}
