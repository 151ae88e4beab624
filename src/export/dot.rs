//! Graphviz DOT: the same diagram as [`super::mermaid`], hosts and VMs as clusters.

use super::diagram::{self, Group};
use crate::model::Topology;
use std::fmt::Write as _;

/// A DOT string literal: quotes and backslashes escaped, newlines as `\n`.
fn quoted(text: &str) -> String {
    let mut s = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => {}
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn cluster(out: &mut String, d: &diagram::Diagram, g: &Group, indent: &str) {
    let _ = writeln!(out, "{indent}subgraph cluster_{} {{", g.key);
    let _ = writeln!(
        out,
        "{indent}  label={};",
        quoted(&format!("{}: {}", g.kind, g.name))
    );
    for &n in &g.nodes {
        node(out, d, n, &format!("{indent}  "));
    }
    for c in &g.children {
        cluster(out, d, c, &format!("{indent}  "));
    }
    let _ = writeln!(out, "{indent}}}");
}

fn node(out: &mut String, d: &diagram::Diagram, i: usize, indent: &str) {
    let n = &d.nodes[i];
    let shape = match n.shape {
        diagram::Shape::Disk => "cylinder",
        diagram::Shape::Round => "ellipse",
        diagram::Shape::Box => "box",
    };
    let style = if n.passed_through {
        ", color=red, style=dashed, penwidth=2"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{indent}{} [label={}, shape={shape}{style}];",
        n.key,
        quoted(&format!("{}\n{}", n.id, n.detail))
    );
}

/// Render the diagram.
pub fn export(t: &Topology) -> String {
    let d = diagram::build(t);
    let mut out =
        String::from("digraph hostplan {\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n");
    for g in &d.groups {
        cluster(&mut out, &d, g, "  ");
    }
    for &n in &d.loose {
        node(&mut out, &d, n, "  ");
    }
    for e in &d.edges {
        let (a, b) = (&d.nodes[e.from].key, &d.nodes[e.to].key);
        let style = if e.passthrough {
            ", color=red, style=dashed, penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(out, "  {a} -> {b} [label={}{style}];", quoted(e.label));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn seed_dot_has_clusters_and_red_passthrough_edges() {
        let text = super::export(&crate::examples::seed().unwrap());
        assert!(text.starts_with("digraph hostplan {"));
        assert!(text.contains("subgraph cluster_host_0 {"));
        assert_eq!(
            text.matches("label=\"PCIe Passthrough\", color=red")
                .count(),
            3,
            "{text}"
        );
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }

    #[test]
    fn quotes_cannot_escape_a_label() {
        assert_eq!(super::quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }
}
