//! The side panel's tabs, following the WAI-ARIA tabs pattern: a `tablist` of `tab`s, one
//! `tabpanel`; only the selected tab is in the Tab order (roving tabindex), and the arrow keys,
//! Home and End move the focus and select.

use yew::prelude::*;

/// A side-panel tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// The inspector (forms) and the validation list.
    #[default]
    Inspect,
    /// The TOML text.
    Text,
    /// Failure simulation, N-1 analysis and the long-running jobs.
    Simulate,
    /// Boot order.
    Boot,
    /// A host's maintenance: preview and runbook.
    Maintain,
    /// What-if and disaster recovery.
    WhatIf,
    /// Before / after: what a change did.
    Delta,
    /// Policy findings.
    Review,
    /// Export and import.
    Transfer,
}

impl Tab {
    /// Every tab, in display order.
    pub const ALL: [Tab; 9] = [
        Tab::Inspect,
        Tab::Text,
        Tab::Simulate,
        Tab::Boot,
        Tab::Maintain,
        Tab::WhatIf,
        Tab::Delta,
        Tab::Review,
        Tab::Transfer,
    ];

    /// The name in element ids (`tab-<key>`; the end-to-end tests use them).
    pub fn key(self) -> &'static str {
        match self {
            Tab::Inspect => "inspect",
            Tab::Text => "text",
            Tab::Simulate => "simulate",
            Tab::Boot => "boot",
            Tab::Maintain => "maintain",
            Tab::WhatIf => "whatif",
            Tab::Delta => "delta",
            Tab::Review => "review",
            Tab::Transfer => "transfer",
        }
    }

    /// What the tab says.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Inspect => "Inspect",
            Tab::Text => "Text",
            Tab::Simulate => "Simulate",
            Tab::Boot => "Boot",
            Tab::Maintain => "Maintenance",
            Tab::WhatIf => "What-if",
            Tab::Delta => "Before / after",
            Tab::Review => "Review",
            Tab::Transfer => "Export / import",
        }
    }

    /// The tab button's element id.
    pub fn id(self) -> String {
        format!("tab-{}", self.key())
    }

    fn index(self) -> usize {
        // `ALL` lists the variants in declaration order.
        self as usize
    }

    /// The tab a key press on this one moves to (`None`: not a tab-list key). Up and Down act
    /// as Left and Right, so the list works the same when it wraps into a column.
    pub fn after_key(self, key: &str) -> Option<Tab> {
        let n = Tab::ALL.len();
        let at = self.index();
        let next = match key {
            "ArrowRight" | "ArrowDown" => (at + 1) % n,
            "ArrowLeft" | "ArrowUp" => (at + n - 1) % n,
            "Home" => 0,
            "End" => n - 1,
            _ => return None,
        };
        Some(Tab::ALL[next])
    }
}

/// Props of [`TabBar`].
#[derive(Properties, PartialEq)]
pub struct TabBarProps {
    /// The selected tab.
    pub active: Tab,
    /// Open findings (shown on the review tab when any).
    pub open_findings: usize,
    /// Something is failed or rebooting in the simulation (marked on its tab).
    pub simulating: bool,
    /// Select a tab.
    pub on_select: Callback<Tab>,
}

/// The text after a tab's label: a count or a mark that something there wants attention.
fn badge(tab: Tab, open_findings: usize, simulating: bool) -> String {
    match tab {
        Tab::Review if open_findings > 0 => format!(" ({open_findings})"),
        Tab::Simulate if simulating => " ●".to_owned(),
        Tab::Inspect
        | Tab::Text
        | Tab::Simulate
        | Tab::Boot
        | Tab::Maintain
        | Tab::WhatIf
        | Tab::Delta
        | Tab::Review
        | Tab::Transfer => String::new(),
    }
}

/// The tab list.
#[component]
pub fn TabBar(props: &TabBarProps) -> Html {
    let buttons = use_memo((), |()| Tab::ALL.map(|_| NodeRef::default()));
    let button = |tab: Tab| {
        let onclick = props.on_select.reform(move |_: MouseEvent| tab);
        let onkeydown = {
            let (on_select, buttons) = (props.on_select.clone(), buttons.clone());
            Callback::from(move |e: KeyboardEvent| {
                let Some(next) = tab.after_key(&e.key()) else {
                    return;
                };
                e.prevent_default();
                on_select.emit(next);
                if let Some(el) = buttons[next.index()].cast::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            })
        };
        let active = props.active == tab;
        html! {
            <button type="button" role="tab" id={tab.id()} ref={buttons[tab.index()].clone()}
                aria-selected={active.to_string()} aria-controls="panel" tabindex={if active { "0" } else { "-1" }}
                class={classes!("tab", active.then_some("active"))} {onclick} {onkeydown}>
                { tab.label() }{ badge(tab, props.open_findings, props.simulating) }
            </button>
        }
    };
    html! {
        <div class="tabs" role="tablist" aria-label="Panels">{ for Tab::ALL.into_iter().map(button) }</div>
    }
}

/// Props of [`TabPanel`].
#[derive(Properties, PartialEq)]
pub struct TabPanelProps {
    /// The tab whose panel this is.
    pub tab: Tab,
    /// The panel.
    pub children: Html,
}

/// The panel of the selected tab (one element for all tabs: `aria-controls="panel"`).
#[component]
pub fn TabPanel(props: &TabPanelProps) -> Html {
    html! {
        <div id="panel" role="tabpanel" aria-labelledby={props.tab.id()}>{ props.children.clone() }</div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_tab_at_its_index() {
        for (i, tab) in Tab::ALL.into_iter().enumerate() {
            assert_eq!(tab.index(), i, "{tab:?}");
        }
    }

    #[test]
    fn arrows_wrap_around_and_home_end_go_to_the_ends() {
        assert_eq!(Tab::Inspect.after_key("ArrowRight"), Some(Tab::Text));
        assert_eq!(Tab::Inspect.after_key("ArrowLeft"), Some(Tab::Transfer));
        assert_eq!(Tab::Transfer.after_key("ArrowRight"), Some(Tab::Inspect));
        assert_eq!(Tab::Review.after_key("ArrowUp"), Some(Tab::Delta));
        assert_eq!(Tab::Boot.after_key("Home"), Some(Tab::Inspect));
        assert_eq!(Tab::Boot.after_key("End"), Some(Tab::Transfer));
        assert_eq!(Tab::Boot.after_key("Enter"), None);
        assert_eq!(Tab::Boot.after_key("a"), None);
    }

    async fn render(props: TabBarProps) -> String {
        yew::LocalServerRenderer::<TabBar>::with_props(props)
            .hydratable(false)
            .render()
            .await
    }

    /// The attributes of the `<button>` whose id is `id`.
    fn button<'a>(html: &'a str, id: &str) -> &'a str {
        let at = html.find(&format!("id=\"{id}\"")).unwrap();
        let start = html[..at].rfind("<button").unwrap();
        let end = at + html[at..].find("</button>").unwrap();
        &html[start..end]
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_tab_bar_renders_an_aria_tablist_with_one_selected_focusable_tab() {
        let html = render(TabBarProps {
            active: Tab::Review,
            open_findings: 3,
            simulating: false,
            on_select: Callback::noop(),
        })
        .await;
        assert!(html.contains(r#"role="tablist""#), "{html}");
        assert_eq!(
            html.matches(r#"role="tab""#).count(),
            Tab::ALL.len(),
            "{html}"
        );
        let review = button(&html, "tab-review");
        assert!(review.contains(r#"aria-selected="true""#), "{review}");
        assert!(review.contains(r#"tabindex="0""#), "{review}");
        assert!(review.contains(r#"aria-controls="panel""#), "{review}");
        assert!(review.contains("Review (3)"), "{review}");
        for tab in Tab::ALL.into_iter().filter(|t| *t != Tab::Review) {
            let b = button(&html, &tab.id());
            assert!(b.contains(r#"aria-selected="false""#), "{b}");
            assert!(b.contains(r#"tabindex="-1""#), "{b}");
            assert!(b.contains(tab.label()), "{b}");
        }
        assert!(!button(&html, "tab-simulate").contains('●'));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn badges_show_only_when_there_is_something_to_see() {
        let html = render(TabBarProps {
            active: Tab::Inspect,
            open_findings: 0,
            simulating: true,
            on_select: Callback::noop(),
        })
        .await;
        assert!(
            button(&html, "tab-simulate").contains("Simulate ●"),
            "{html}"
        );
        assert!(!button(&html, "tab-review").contains('('), "{html}");
        assert!(button(&html, "tab-inspect").contains(r#"aria-selected="true""#));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_panel_is_labelled_by_its_tab() {
        let html = yew::LocalServerRenderer::<TabPanel>::with_props(TabPanelProps {
            tab: Tab::WhatIf,
            children: html! { <p id="inside">{ "content" }</p> },
        })
        .hydratable(false)
        .render()
        .await;
        assert!(html.contains(r#"role="tabpanel""#), "{html}");
        assert!(html.contains(r#"aria-labelledby="tab-whatif""#), "{html}");
        assert!(html.contains(r#"<p id="inside">content</p>"#), "{html}");
    }
}
