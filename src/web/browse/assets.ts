/**
 * Static assets of the browse pages, served from this node (no request ever leaves it): the
 * stylesheet, the highlighting theme and the small script that enhances pages (line selection,
 * contextual permalinks, copy buttons, the branch selector). Pages work without the script.
 *
 * @module
 */

import { createHash } from 'node:crypto'

export const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--panel:#f6f8fa;--border:#d0d7de;--accent:#0550ae;--sel:#fff8c5;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #0969da66;outline-offset:1px}
header.top{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;padding:.6rem 1rem;border-bottom:1px solid var(--border);background:var(--panel)}
header.top .brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:var(--fg)}
header.top form{flex:1;display:flex;gap:.4rem;min-width:14rem}
header.top input[type=search]{flex:1;padding:.35rem .5rem;border:1px solid var(--border);border-radius:6px;font:inherit}
button,.button{padding:.3rem .7rem;border:1px solid var(--border);border-radius:6px;background:#fff;font:inherit;cursor:pointer;text-decoration:none;color:var(--fg);display:inline-block}
main{padding:1rem;max-width:90rem;margin:0 auto}
.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
h1{font-size:1.35rem;margin:.2rem 0 .8rem;word-break:break-all}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 22rem;gap:1.2rem}
@media (max-width:900px){.layout{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.mono,code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88rem}
.muted{color:var(--muted)}
.crumbs{margin:.2rem 0 .8rem;word-break:break-all}
.crumbs a,.crumbs span{margin-right:.2rem}
.panel{border:1px solid var(--border);border-radius:8px;padding:.7rem;background:var(--panel);margin-bottom:1rem}
.panel h2{margin-top:0}
.swhid{word-break:break-all;display:block;background:#fff;border:1px solid var(--border);border-radius:4px;padding:.3rem;margin:.2rem 0}
.tabs{display:flex;flex-wrap:wrap;gap:.3rem;margin-bottom:.6rem}
.tabs a{padding:.25rem .6rem;border:1px solid var(--border);border-radius:6px;text-decoration:none}
.tabs a[aria-current=page]{background:var(--accent);color:#fff;border-color:var(--accent)}
.code{border:1px solid var(--border);border-radius:6px;overflow:auto}
.code table{border:0}
.code td{border:0;padding:0 .6rem;white-space:pre}
.code td.ln{user-select:none;text-align:right;color:var(--muted);width:1%;border-right:1px solid var(--border)}
.code td.ln a{color:inherit;text-decoration:none;display:block}
.code tr.sel td{background:var(--sel)}
.code tr:target td{background:var(--sel)}
.badge-list img{vertical-align:middle}
.status-full{color:var(--ok)}.status-partial{color:var(--warn)}.status-failed,.status-not_found{color:var(--bad)}
.cal{display:grid;grid-template-columns:repeat(53,12px);grid-template-rows:repeat(7,12px);grid-auto-flow:column;gap:2px;overflow-x:auto;margin:.5rem 0}
.cal span{width:12px;height:12px;border-radius:2px;background:#ebedf0;display:block}
.cal span.full{background:#2da44e}.cal span.partial{background:#d4a72c}.cal span.failed,.cal span.not_found{background:#cf222e}.cal span.ongoing,.cal span.created{background:#8c959f}
.diff{margin:.6rem 0}
.diff .add td{background:#e6ffec}.diff .del td{background:#ffebe9}.diff .hunk td{background:#ddf4ff;color:var(--muted)}
.readme{border:1px solid var(--border);border-radius:6px;padding:0 1rem;margin-top:1rem;overflow:auto}
.readme img{max-width:100%}
img.content{max-width:100%;border:1px solid var(--border)}
.icon{display:inline-block;vertical-align:middle;margin-right:.3rem}
.pager{display:flex;gap:.6rem;align-items:center;margin:.8rem 0}
.never{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:.85rem;padding:1rem;text-align:center}
.counters{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.6rem}
.counters div{border:1px solid var(--border);border-radius:8px;padding:.6rem;text-align:center}
.counters b{display:block;font-size:1.3rem}
details summary{cursor:pointer}
`

export const HLJS_CSS = `
.hljs-comment,.hljs-quote{color:#6e7781;font-style:italic}
.hljs-keyword,.hljs-selector-tag,.hljs-literal,.hljs-type{color:#cf222e}
.hljs-string,.hljs-regexp,.hljs-addition,.hljs-attribute,.hljs-meta .hljs-string{color:#0a3069}
.hljs-number,.hljs-built_in,.hljs-symbol,.hljs-bullet{color:#0550ae}
.hljs-title,.hljs-section,.hljs-title.function_{color:#8250df}
.hljs-attr,.hljs-variable,.hljs-template-variable,.hljs-property{color:#953800}
.hljs-meta{color:#57606a}.hljs-deletion{color:#82071e;background:#ffebe9}
.hljs-emphasis{font-style:italic}.hljs-strong{font-weight:700}
`

/** The enhancement script: every feature degrades to a plain link or text without it. */
export const JS = `
(function(){
  'use strict';
  function qs(s, r){return (r||document).querySelector(s)}
  function qsa(s, r){return Array.prototype.slice.call((r||document).querySelectorAll(s))}
  // Line selection: click a line number, shift-click another for a range; the fragment is
  // #L10 or #L10-L20, and the contextual content SWHID gets ;lines=10-20.
  var code = qs('.code[data-lines]');
  var anchor = null;
  function parseHash(){var m=/^#L(\\d+)(?:-L(\\d+))?$/.exec(location.hash);if(!m)return null;var a=+m[1],b=m[2]?+m[2]:a;return a<=b?[a,b]:[b,a]}
  function mark(){
    if(!code)return;
    qsa('tr.sel',code).forEach(function(tr){tr.classList.remove('sel')});
    var r=parseHash(); if(!r)return;
    for(var i=r[0];i<=r[1];i++){var tr=document.getElementById('L'+i); if(tr)tr.classList.add('sel')}
    var first=document.getElementById('L'+r[0]); if(first&&first.scrollIntoView)first.scrollIntoView({block:'center'});
    updatePermalinks();
  }
  if(code){
    code.addEventListener('click',function(e){
      var a=e.target.closest('a[data-line]'); if(!a)return; e.preventDefault();
      var n=+a.getAttribute('data-line');
      if(e.shiftKey&&anchor!==null){var lo=Math.min(anchor,n),hi=Math.max(anchor,n);history.replaceState(null,'','#L'+lo+(hi!==lo?'-L'+hi:''))}
      else{anchor=n;history.replaceState(null,'','#L'+n)}
      mark();
    });
    window.addEventListener('hashchange',mark);
    mark();
  }
  // Permalinks: the checkbox shows the SWHID with its contextual qualifiers.
  function updatePermalinks(){
    var box=qs('#swhid-context'); var on=!box||box.checked;
    var r=parseHash();
    qsa('[data-swhid-core]').forEach(function(el){
      var core=el.getAttribute('data-swhid-core'), ctx=el.getAttribute('data-swhid-context')||core;
      var v=on?ctx:core;
      if(on&&r&&el.getAttribute('data-swhid-lines')==='1'){v+=';lines='+r[0]+(r[1]!==r[0]?'-'+r[1]:'')}
      el.textContent=v;
      var link=qs('a[data-for="'+el.id+'"]'); if(link)link.href='/'+v+'/';
    });
  }
  var box=qs('#swhid-context'); if(box){box.addEventListener('change',updatePermalinks)}
  // git clone commands: the page's own host before the /git/ path.
  qsa('[data-clone-path]').forEach(function(el){el.textContent='git clone '+location.origin+el.getAttribute('data-clone-path')});
  qsa('.needs-js').forEach(function(el){el.hidden=false});
  updatePermalinks();
  qsa('button[data-copy]').forEach(function(b){
    b.addEventListener('click',function(){
      var el=document.getElementById(b.getAttribute('data-copy')); if(!el)return;
      var text=el.textContent;
      function done(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy'},1500)}
      if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(text).then(done,function(){fallback()})}else fallback();
      function fallback(){var t=document.createElement('textarea');t.value=text;document.body.appendChild(t);t.select();try{document.execCommand('copy')}catch(e){}document.body.removeChild(t);done()}
      b.setAttribute('data-copied',text);
    });
  });
  // Save Code Now: rows still moving are refreshed every 2 s (status and load progress).
  function pollSaves(){
    var rows=qsa('tr[data-save-id][data-live]'); if(rows.length===0)return;
    var ids=rows.map(function(r){return r.getAttribute('data-save-id')}).join(',');
    fetch('/save/status/?ids='+ids,{headers:{Accept:'application/json'}}).then(function(res){return res.ok?res.json():[]}).then(function(list){
      list.forEach(function(s){
        var tr=qs('tr[data-save-id="'+s.id+'"]'); if(!tr)return;
        var set=function(f,v){var td=tr.querySelector('[data-field="'+f+'"]'); if(td)td.textContent=v==null?'':String(v)};
        set('save_request_status',s.save_request_status); set('save_task_status',s.save_task_status);
        set('visit_status',s.visit_status); set('progress',s.progress_text); set('note',s.note);
        if(!s.live)tr.removeAttribute('data-live');
      });
    }).catch(function(){}).then(function(){setTimeout(pollSaves,2000)});
  }
  if(qs('tr[data-save-id][data-live]'))setTimeout(pollSaves,2000);
  // Branch selector: submit on change.
  qsa('select[data-autosubmit]').forEach(function(s){s.addEventListener('change',function(){s.form.submit()})});
})();
`

function etag(s: string): string {
  return `"${createHash('sha1').update(s).digest('hex').slice(0, 16)}"`
}

/** Assets by path, with their content type and ETag. */
export const ASSETS: Readonly<Record<string, { body: string; type: string; etag: string }>> = {
  '/static/arca.css': { body: CSS, type: 'text/css; charset=utf-8', etag: etag(CSS) },
  '/static/highlight.css': {
    body: HLJS_CSS,
    type: 'text/css; charset=utf-8',
    etag: etag(HLJS_CSS),
  },
  '/static/arca.js': { body: JS, type: 'text/javascript; charset=utf-8', etag: etag(JS) },
}
