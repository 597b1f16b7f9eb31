//! One self-contained HTML file (inline CSS and JS, no external fetches): summary header, a
//! filterable and sortable table, each case expandable to its requirements, messages and transcript.
//! All data is rendered server-side and HTML-escaped; the script holds no data, so transcript bytes
//! cannot break out of it.

use super::{capabilities, headline};
use crate::catalog::Catalog;
use crate::event::{CaseResult, RunRecord};
use crate::status::Status;
use crate::transcript::Direction;
use std::fmt::Write as _;

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}
header h1{margin:0 0 6px;font-size:20px}
header .meta{font-size:13px;color:#c5cbd6}
.cards{display:flex;flex-wrap:wrap;gap:10px;padding:14px 24px}
.card{background:#fff;border-radius:6px;padding:8px 12px;box-shadow:0 1px 2px #0002;min-width:64px}
.card b{display:block;font-size:22px}
.card span{font-size:12px;color:#555;text-transform:uppercase}
.card span.badge{color:#fff}
.controls{padding:0 24px 10px;display:flex;gap:10px;align-items:center}
.controls input,.controls select{padding:5px 8px;font-size:14px}
table{border-collapse:collapse;width:calc(100% - 48px);margin:0 24px 24px;background:#fff;font-size:14px}
th{background:#e8ebf0;text-align:left;padding:7px;cursor:pointer;user-select:none;white-space:nowrap}
th:after{content:" \2195";color:#999}
td{padding:6px 7px;border-top:1px solid #e3e6eb;vertical-align:top}
tr.case{cursor:pointer} tr.case:hover{background:#f0f4ff}
tr.detail td{background:#fbfbfc;padding:10px 18px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff}
.s-pass{background:#2e7d32}.s-fail{background:#c62828}.s-error{background:#6a1b9a}.s-stale{background:#ad1457}
.s-warn{background:#ef6c00}.s-known-failure{background:#8d6e63}.s-unsupported{background:#607d8b}.s-skip{background:#9e9e9e}.s-not-run{background:#37474f}
.mono,.tr{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.kv{margin:4px 0}.kv b{display:inline-block;min-width:130px;color:#444}
.reqs li{margin:2px 0}
.tr{font-size:12px;border:1px solid #e3e6eb;background:#fff;max-height:480px;overflow:auto;margin-top:8px}
.tr div{white-space:pre-wrap;word-break:break-all;padding:1px 6px;border-bottom:1px solid #f0f0f0}
.tr .sent{background:#e8f1ff;color:#0d3c8c}.tr .received{background:#eaf7ea;color:#1b5e20}.tr .note{color:#777;font-style:italic}
.tr .t{color:#999;display:inline-block;min-width:70px}
.alert{margin:14px 24px 0;padding:10px 14px;border-radius:6px;background:#fdecea;color:#8a1c1c;font-weight:600}
.caps{padding:0 24px 6px}.caps table{margin:0;width:auto}.caps td,.caps th{cursor:default}.caps th:after{content:""}
.caps ul{margin:6px 0 0;padding-left:18px;font-size:13px;color:#444}
.notoffered{margin:0 24px 12px;font-size:14px}
"#;

const JS: &str = r#"
(function(){
  var q=document.getElementById('q'),fs=document.getElementById('fstatus'),fm=document.getElementById('fmodule');
  var tbody=document.querySelector('#cases tbody');
  function groups(){var rows=[].slice.call(tbody.querySelectorAll('tr.case'));return rows.map(function(r){return [r,r.nextElementSibling];});}
  function apply(){
    var t=q.value.toLowerCase(),s=fs.value,m=fm.value,shown=0;
    groups().forEach(function(g){
      var r=g[0],ok=(!s||r.dataset.status===s)&&(!m||r.dataset.module===m)&&(!t||r.dataset.search.indexOf(t)>=0);
      r.style.display=ok?'':'none'; if(!ok){g[1].style.display='none';} shown+=ok?1:0;
    });
    document.getElementById('shown').textContent=shown+' shown';
  }
  [q,fs,fm].forEach(function(e){e.addEventListener('input',apply);});
  tbody.addEventListener('click',function(ev){
    var r=ev.target.closest('tr.case'); if(!r)return;
    var d=r.nextElementSibling; d.style.display=d.style.display==='none'?'':'none';
  });
  var dir={};
  document.querySelectorAll('#cases th').forEach(function(th,i){
    th.addEventListener('click',function(){
      dir[i]=!dir[i];
      var gs=groups();
      gs.sort(function(a,b){
        var x=a[0].children[i].dataset.key||a[0].children[i].textContent,y=b[0].children[i].dataset.key||b[0].children[i].textContent;
        var nx=parseFloat(x),ny=parseFloat(y);
        var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
        return dir[i]?c:-c;
      });
      gs.forEach(function(g){tbody.appendChild(g[0]);tbody.appendChild(g[1]);});
    });
  });
  document.getElementById('expand').addEventListener('click',function(){
    groups().forEach(function(g){if(g[0].style.display!=='none')g[1].style.display='';});
  });
  apply();
})();
"#;

fn status_rank(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

fn detail(r: &CaseResult, catalog: &Catalog) -> String {
    let mut d = String::new();
    let _ = write!(
        d,
        "<div class=kv><b>Case</b><span class=mono>{}</span> &middot; seed <span class=mono>{}</span> &middot; started {}</div>",
        escape(&r.id),
        r.seed,
        escape(&r.started)
    );
    if !r.requires.is_empty() {
        let _ = write!(
            d,
            "<div class=kv><b>Spec requires</b>{}</div>",
            escape(&r.requires)
        );
    }
    if !r.accepts.is_empty() {
        let _ = write!(
            d,
            "<div class=kv><b>Also accepted</b>{}</div>",
            escape(&r.accepts.join("; "))
        );
    }
    d.push_str("<ul class=reqs>");
    for id in &r.requirements {
        match catalog.get(id) {
            Some(q) => {
                let _ = write!(
                    d,
                    "<li><b class=mono>{}</b> {} ({}) &mdash; {}</li>",
                    escape(id),
                    escape(q.level.as_str()),
                    escape(&q.source),
                    escape(&q.summary)
                );
            }
            None => {
                let _ = write!(
                    d,
                    "<li><b class=mono>{}</b> (not in the catalogue)</li>",
                    escape(id)
                );
            }
        }
    }
    d.push_str("</ul>");
    let o = &r.outcome;
    let fields = [
        ("Verdict", Some(o.verdict.as_str().to_owned())),
        ("Requirement", o.requirement.clone()),
        ("Expected", o.expected.clone()),
        ("Actual", o.actual.clone()),
        ("Message", o.message.clone()),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            let _ = write!(d, "<div class=kv><b>{k}</b>{}</div>", escape(&v));
        }
    }
    if let Some(k) = &r.baseline {
        let _ = write!(
            d,
            "<div class=kv><b>Baseline</b>{}{}</div>",
            escape(&k.reason),
            k.link
                .as_ref()
                .map(|l| format!(" ({})", escape(l)))
                .unwrap_or_default()
        );
    }
    d.push_str(&transcript_html(&r.transcript));
    d
}

/// A transcript as the report's scrolling, colour-coded block.
fn transcript_html(entries: &[crate::transcript::RenderedEntry]) -> String {
    let mut d = String::from("<div class=tr>");
    if entries.is_empty() {
        d.push_str("<div class=note>(no traffic recorded)</div>");
    }
    for e in entries {
        let (cls, arrow) = match e.dir {
            Direction::Sent => ("sent", "&rarr;"),
            Direction::Received => ("received", "&larr;"),
            Direction::Note => ("note", "&middot;"),
        };
        let _ = write!(
            d,
            "<div class={cls}><span class=t>{} ms</span>{arrow} <b>{}</b> {}</div>",
            e.t_ms,
            escape(&e.conn),
            escape(&e.text)
        );
    }
    d.push_str("</div>");
    d
}

/// The capability table: one row per TLS version tried, then the notes (transport, features
/// before TLS, HTTP).
fn capability_table(caps: &crate::capabilities::Capabilities) -> String {
    let mut h = String::from("<section class=caps><h3>Capabilities</h3>");
    let rows = capabilities::rows(caps);
    if !rows.is_empty() {
        h.push_str("<table id=capabilities><thead><tr>");
        for head in capabilities::HEADINGS {
            let _ = write!(h, "<th>{}</th>", escape(head));
        }
        h.push_str("</tr></thead><tbody>");
        for r in rows {
            h.push_str("<tr>");
            for c in r.cells() {
                let _ = write!(h, "<td class=mono>{}</td>", escape(c));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("<ul>");
    for n in capabilities::notes(caps) {
        let _ = write!(h, "<li>{}</li>", escape(&n));
    }
    h.push_str("</ul></section>");
    h
}

/// Render the run as one HTML document.
pub fn render(rec: &RunRecord) -> String {
    let catalog = Catalog::global();
    let s = &rec.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>gatecheck report: {}</title><style>{CSS}</style></head><body>",
        escape(&rec.meta.target)
    );
    let _ = write!(
        h,
        "<header><h1>gatecheck conformance report</h1><div class=meta>target <b>{}</b> &middot; domain {} &middot; suite {} &middot; seed {} &middot; {}{} &middot; started {} &middot; {:.1}s</div></header>",
        escape(&rec.meta.target),
        escape(rec.meta.domain.as_deref().unwrap_or("-")),
        escape(&rec.meta.suite_version),
        rec.meta.seed,
        if rec.meta.strict {
            "strict"
        } else {
            "not strict"
        },
        if rec.meta.redacted {
            ", secrets redacted"
        } else {
            ", NOT redacted"
        },
        escape(&rec.meta.started),
        s.duration_ms as f64 / 1000.0
    );
    let _ = write!(
        h,
        "<div class=meta style=\"padding:4px 24px;font-size:13px\">{}</div>",
        escape(&headline::settings(rec))
    );
    for line in headline::headlines(rec) {
        let _ = write!(h, "<div class=alert>{}</div>", escape(&line));
    }
    h.push_str(&capability_table(&rec.meta.capabilities));
    if !rec.meta.discovery.is_empty() {
        h.push_str("<details style=\"margin:0 24px 10px\"><summary>Discovery transcript</summary>");
        h.push_str(&transcript_html(&rec.meta.discovery));
        h.push_str("</details>");
    }
    h.push_str("<div class=cards>");
    let pct = |n: usize, d: usize| headline::score(n, d, 0);
    let _ = write!(
        h,
        "<div class=card><b>{}</b><span>MUST score {}/{}</span></div>",
        pct(s.must_passed, s.must_applicable),
        s.must_passed,
        s.must_applicable
    );
    let _ = write!(
        h,
        "<div class=card><b>{}</b><span>SHOULD score {}/{}</span></div>",
        pct(s.should_passed, s.should_applicable),
        s.should_passed,
        s.should_applicable
    );
    for st in Status::ALL {
        let _ = write!(
            h,
            "<div class=card><b>{n}</b><span class=\"badge s-{st}\">{st}</span></div>",
            n = s.count(st),
            st = st.as_str()
        );
    }
    let _ = write!(
        h,
        "<div class=card><b>{}</b><span>not selected</span></div>",
        rec.meta.not_selected.len()
    );
    h.push_str("</div>");
    let groups = headline::not_offered_groups(rec);
    if !groups.is_empty() {
        h.push_str("<ul class=notoffered>");
        for g in groups {
            let _ = write!(h, "<li>{}</li>", escape(&g.line));
        }
        h.push_str("</ul>");
    }
    h.push_str("<div class=controls><input id=q type=search placeholder=\"Search id, title, requirement, message\" size=40>");
    h.push_str("<select id=fstatus><option value=\"\">all verdicts</option>");
    for st in Status::ALL {
        let _ = write!(h, "<option>{}</option>", st.as_str());
    }
    h.push_str("</select><select id=fmodule><option value=\"\">all modules</option>");
    for m in &rec.meta.modules {
        let _ = write!(h, "<option>{}</option>", m.as_str());
    }
    h.push_str(
        "</select><button id=expand type=button>expand shown</button><span id=shown></span></div>",
    );
    h.push_str("<table id=cases><thead><tr><th>Verdict</th><th>Module</th><th>Case</th><th>Level</th><th>Requirements</th><th>Title</th><th>ms</th></tr></thead><tbody>");
    for r in rec.results.iter().filter(|r| !r.is_advisory()) {
        let search = format!(
            "{} {} {} {} {}",
            r.id,
            r.title,
            r.requirements.join(" "),
            r.outcome.message.as_deref().unwrap_or(""),
            r.outcome.actual.as_deref().unwrap_or("")
        )
        .to_lowercase();
        let _ = write!(
            h,
            "<tr class=case data-status=\"{st}\" data-module=\"{m}\" data-search=\"{search}\"><td data-key=\"{rank}\"><span class=\"badge s-{st}\">{st}</span></td><td>{m}</td><td class=mono>{id}</td><td data-key=\"{lr}\">{lvl}</td><td class=mono>{reqs}</td><td>{title}</td><td>{ms}</td></tr>",
            st = r.status.as_str(),
            m = r.module.as_str(),
            search = escape(&search),
            rank = status_rank(r.status),
            id = escape(&r.id),
            lr = r.level.strength(),
            lvl = escape(r.level.as_str()),
            reqs = escape(&r.requirements.join(", ")),
            title = escape(&r.title),
            ms = r.duration_ms
        );
        let _ = write!(
            h,
            "<tr class=detail style=\"display:none\"><td colspan=7>{}</td></tr>",
            detail(r, catalog)
        );
    }
    h.push_str("</tbody></table>");
    advisory_html(rec, catalog, &mut h);
    if !rec.meta.not_selected.is_empty() {
        h.push_str("<details style=\"margin:0 24px 24px\"><summary>Not selected</summary><ul>");
        for n in &rec.meta.not_selected {
            let _ = write!(
                h,
                "<li class=mono>{} &mdash; {}</li>",
                escape(&n.id),
                escape(&n.reason)
            );
        }
        h.push_str("</ul></details>");
    }
    let _ = write!(h, "<script>{JS}</script></body></html>");
    h
}

/// The advisory security group in its own table below the verdicts: finding or ok, the RFC/XEP
/// sections each case comes from, what it observed, and its transcript.
fn advisory_html(rec: &RunRecord, catalog: &Catalog, h: &mut String) {
    let Some(a) = &rec.summary.advisory else {
        return;
    };
    let _ = write!(
        h,
        "<h2 style=\"margin:16px 24px 4px\">Security (advisory, not scored)</h2><div class=meta style=\"padding:0 24px 8px\">{} case(s): {} finding(s), {} without finding, {} undecided &middot; {}</div>",
        a.cases,
        a.findings,
        a.passed,
        a.undecided,
        if a.strict {
            "--strict-security: findings fail the run"
        } else {
            "findings never change the conformance scores or the exit code"
        }
    );
    h.push_str("<table id=advisory><thead><tr><th>Result</th><th>Case</th><th>From</th><th>Observed</th></tr></thead><tbody>");
    for r in rec.results.iter().filter(|r| r.is_advisory()) {
        let label = if r.is_finding() {
            "finding"
        } else if r.status == Status::Pass {
            "ok"
        } else {
            r.status.as_str()
        };
        let badge = if r.is_finding() {
            "fail"
        } else {
            r.status.as_str()
        };
        let observed = r
            .outcome
            .actual
            .as_deref()
            .or(r.outcome.message.as_deref())
            .unwrap_or("");
        let _ = write!(
            h,
            "<tr class=case data-status=\"{st}\" data-module=security data-search=\"\"><td><span class=\"badge s-{badge}\">{label}</span></td><td class=mono>{id}<br>{title}</td><td class=mono>{reqs}</td><td>{obs}</td></tr><tr class=detail style=\"display:none\"><td colspan=4>{detail}</td></tr>",
            st = r.status.as_str(),
            id = escape(&r.id),
            title = escape(&r.title),
            reqs = escape(&r.requirements.join(", ")),
            obs = escape(observed),
            detail = detail(r, catalog)
        );
    }
    h.push_str("</tbody></table>");
}
