//! A reboot's outage per service: when each service, control plane, set of volumes and guest
//! goes out, when it is back and for how long — the core's reading of the reboot's boot
//! timeline ([`hostplan::sim::boot::outages`]), with a bar on the timeline's scale so the long
//! outages stand out.

use hostplan::graph::NodeKind;
use hostplan::sim::failure::Transient;
use yew::prelude::*;

/// Props of [`RebootOutages`].
#[derive(Properties, PartialEq)]
pub struct RebootOutagesProps {
    /// The rebooting hosts with their outages.
    pub transient: Vec<Transient>,
    /// Select a component.
    pub on_select: Callback<Option<String>>,
}

/// One table per rebooting host.
#[component]
pub fn RebootOutages(props: &RebootOutagesProps) -> Html {
    html! {
        <>{ for props.transient.iter().filter(|tr| !tr.outages.is_empty()).map(|tr| table(tr, &props.on_select)) }</>
    }
}

fn table(tr: &Transient, on_select: &Callback<Option<String>>) -> Html {
    let secs = |ms: u64| format!("{:.0} s", ms as f64 / 1000.0);
    // The bars' scale: the last moment anything is back (or goes out).
    let end = tr
        .outages
        .iter()
        .map(|o| o.up_ms.unwrap_or(o.down_ms))
        .chain(tr.back_after_ms)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let pct = |ms: u64| format!("{:.1}%", ms as f64 / end * 100.0);
    let row = |o: &hostplan::sim::boot::Outage| {
        let id = hostplan::graph::display_owner(&o.id).to_owned();
        let cb = on_select.clone();
        let onclick = Callback::from(move |_: MouseEvent| cb.emit(Some(id.clone())));
        let width = o
            .up_ms
            .map_or(end - o.down_ms as f64, |u| (u - o.down_ms) as f64);
        let style = format!("left:{};width:{:.1}%", pct(o.down_ms), width / end * 100.0);
        html! {
            <tr data-id={o.id.clone()} class={classes!(o.up_ms.is_none().then_some("never"))}>
                <th scope="row"><button type="button" class="chip" {onclick}>{ &o.id }</button></th>
                <td class="num">{ secs(o.down_ms) }</td>
                <td class="num">{ o.up_ms.map_or("never".to_owned(), secs) }</td>
                <td class="num outage-min">{ o.minutes().map_or("—".to_owned(), |m| format!("{m:.1} min")) }</td>
                <td class="outage-bar-cell" aria-hidden="true"><span class="outage-bar" {style}></span></td>
            </tr>
        }
    };
    html! {
        <div class="reboot-outages" id={format!("outages-{}", tr.host)}>
            <h4>{ format!("Outage while {} reboots", tr.host) }</h4>
            <table class="outages">
                <thead><tr>
                    <th scope="col">{ "Out" }</th><th scope="col">{ "out at" }</th><th scope="col">{ "back at" }</th>
                    <th scope="col">{ "outage" }</th><th scope="col"><span class="visually-hidden">{ "on the timeline" }</span></th>
                </tr></thead>
                <tbody>
                    // Services, then the guests (the core's order), each group under its heading.
                    { for tr.outages.iter().enumerate().map(|(i, o)| {
                        let vm = o.kind == NodeKind::Vm;
                        let first = i == 0 || (tr.outages[i - 1].kind == NodeKind::Vm) != vm;
                        html! {
                            <>
                                if first { <tr class="group"><th colspan="5" scope="rowgroup">{ if vm { "VMs" } else { "Services" } }</th></tr> }
                                { row(o) }
                            </>
                        }
                    }) }
                </tbody>
            </table>
            <p class="hint">{ "Times from the start of the reboot, from the boot model (Boot tab: the whole timeline)." }</p>
        </div>
    }
}
