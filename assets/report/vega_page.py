"""Vega-Lite in a self-contained page: the JavaScript bundled inline, the specs as JSON.

``vl_convert.javascript_bundle`` gives Vega, Vega-Lite and Vega-Embed as one script with no
imports (built from the copies inside the ``vl-convert-python`` wheel, so nothing is fetched,
at build time or when the page opens). The page carries that bundle once, each chart's spec in
a ``<script type="application/json">`` (never executed), and a small bootstrap that embeds
every chart with the SVG renderer.

The Content-Security-Policy allows exactly these two inline scripts (by SHA-256), no other
script, and no network access at all (``default-src 'none'``). Vega compiles its expressions
with ``new Function``, hence ``'unsafe-eval'``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from pathlib import Path

import altair as alt
import vl_convert

__all__ = [
    "BOOTSTRAP",
    "cache_dir",
    "csp",
    "javascript_bundle",
    "spec_script",
    "vegalite_version",
]

BOOTSTRAP = """(function () {
  "use strict";
  var views = (window.cmwViews = {});
  var options = {
    renderer: "svg",
    actions: { export: true, source: false, compiled: false, editor: false },
    tooltip: { theme: "light" },
    downloadFileName: "chart",
  };
  function mark(el, state, detail) {
    el.setAttribute("data-rendered", state);
    if (detail) el.setAttribute("data-error", detail);
  }
  var specs = document.querySelectorAll('script[type="application/json"].vl-spec');
  var pending = specs.length;
  function done() {
    pending -= 1;
    if (pending === 0) document.documentElement.setAttribute("data-charts", "ready");
  }
  if (pending === 0) document.documentElement.setAttribute("data-charts", "ready");
  specs.forEach(function (script) {
    var target = document.getElementById(script.getAttribute("data-target"));
    if (!target) { done(); return; }
    var spec;
    try {
      spec = JSON.parse(script.textContent);
    } catch (err) {
      mark(target, "error", String(err));
      console.error("report chart " + target.id + ": bad spec", err);
      done();
      return;
    }
    window.vegaEmbed(target, spec, options).then(function (result) {
      views[target.id] = result.view;
      mark(target, "true");
      done();
    }).catch(function (err) {
      mark(target, "error", String(err));
      target.textContent = "This chart could not be drawn: " + err;
      console.error("report chart " + target.id, err);
      done();
    });
  });
})();
"""


def vegalite_version() -> str | None:
    """The Vega-Lite minor version Altair writes specs for ('6.4'), if vl-convert has it."""
    ver = alt.SCHEMA_VERSION.lstrip("v").split(".")
    wanted = ".".join(ver[:2])
    return wanted if wanted in vl_convert.get_vegalite_versions() else None


BUNDLE_END = "window.vegaEmbed="  # the bundle's default snippet sets the globals


def cache_dir() -> Path:
    """Where the built bundle is kept between runs: ``CMW_CACHE_DIR``, else the user cache."""
    if os.environ.get("CMW_CACHE_DIR"):
        return Path(os.environ["CMW_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cmw"


@functools.cache
def javascript_bundle() -> str:
    """Vega + Vega-Lite + Vega-Embed as one inline script.

    Building it takes vl-convert 1.5 s of CPU (more on a busy machine), so the result is kept
    in ``cache_dir()`` under the vl-convert and Vega-Lite versions, and in memory; a cache that
    cannot be read or written is skipped, never an error.
    """
    vl = vegalite_version()
    path = cache_dir() / f"vega-bundle-vlconvert{vl_convert.__version__}-vl{vl or 'default'}.js"
    try:
        cached = path.read_text(encoding="utf-8")
        if BUNDLE_END in cached[-2000:]:
            return cached
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle(vl_version=vl)
    if "</script" in bundle.lower() or "<!--" in bundle or BUNDLE_END not in bundle[-2000:]:
        raise RuntimeError(  # would end or confuse the inline <script> element
            f"vl-convert {vl_convert.__version__}: the Vega bundle contains '</script' or "
            "'<!--', or does not set window.vegaEmbed; it cannot be inlined as it is"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return bundle


def spec_script(spec: dict, target_id: str) -> str:
    """The spec as an inert JSON script element for the chart container ``target_id``.

    ``<``, ``>`` and ``&`` are written as JSON unicode escapes, so no text from the warehouse
    can end the element or open a tag; JSON.parse gives the same strings back.
    """
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return (
        f'<script type="application/json" class="vl-spec" data-target="{target_id}" '
        f'id="{target_id}-spec">{text}</script>'
    )


def _sha256(script: str) -> str:
    return (
        "'sha256-"
        + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        + "'"
    )


def csp(scripts: list[str]) -> str:
    """Content-Security-Policy for a page whose only scripts are ``scripts`` (inline)."""
    base = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    if not scripts:
        return base
    hashes = " ".join(_sha256(s) for s in scripts)
    return f"{base}; script-src {hashes} 'unsafe-eval'"
