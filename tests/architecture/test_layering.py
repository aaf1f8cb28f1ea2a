"""The layering of webapp/, checked on the source (function-local imports count too):

    entry points   webapp (create_app), blueprints, formatting, worker, demo
    features       auth admin approvals batches callbacks main new_payout payouts
    payout_core    the payout domain
    shared         models extensions config crypto audit queue htmx downloads i18n security
                   errors navigation checks query_args lazy_text smtp, observability, provider
                   (the Paymega client)

A layer imports only layers below it. A feature reaches another feature only through the
modules that feature lists in `PUBLIC_MODULES` in its `__init__.py`; its blueprint `bp` lives in
its routes.py, which only blueprints.py imports. Everything else in a feature package is its
own business.
"""

from __future__ import annotations

import ast

import pytest

from tests.architecture.imports import ROOT, Edge, all_modules, cycles, import_graph

FEATURES = ("auth", "admin", "approvals", "batches", "callbacks", "main", "new_payout",
            "payouts", "recipients", "notifications", "reconciliation")
SHARED = ("models", "extensions", "config", "crypto", "audit", "queue", "htmx", "downloads",
          "i18n", "security", "errors", "navigation", "checks", "query_args", "lazy_text",
          "form_tokens", "smtp")
# lazy_text: the app's `_l` (lazy translations escaped in HTML), a leaf module.
CORE_MAY_IMPORT = ("payout_core", "models", "extensions", "config", "crypto", "provider",
                   "queue", "observability", "lazy_text")
# What would tie the domain to a web request or a page.
REQUEST_BOUND = {"request", "session", "render_template", "url_for", "g", "has_request_context"}

EDGES = import_graph()


def part(module: str) -> str:
    """`webapp.payouts.routes` -> `payouts`; `webapp` -> `webapp`."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else pieces[0]


def edges_from(area: str) -> list[Edge]:
    return [e for e in EDGES if part(e.importer) == area and part(e.imported) != area]


def public_modules(feature: str) -> set[str]:
    tree = ast.parse((ROOT / "webapp" / feature / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "PUBLIC_MODULES" for t in node.targets):
            return {f"webapp.{feature}.{name}" for name in ast.literal_eval(node.value)}
    return set()


def test_the_graph_is_read() -> None:
    """Guards the checks below against passing on an empty graph."""
    assert len(all_modules()) > 100
    assert Edge("webapp.payouts.routes", "webapp.payout_core.scope", 0).imported in {
        e.imported for e in edges_from("payouts")}


def test_no_import_cycles() -> None:
    assert cycles(EDGES) == []


def test_the_core_imports_no_feature_and_nothing_above_it() -> None:
    wrong = [str(e) for e in edges_from("payout_core") if part(e.imported) not in CORE_MAY_IMPORT]
    assert wrong == []


def test_the_core_does_not_read_the_request_or_render_pages() -> None:
    wrong = []
    for name, path in all_modules().items():
        if part(name) != "payout_core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                wrong += [f"{name}: flask.{a.name}" for a in node.names
                          if a.name in REQUEST_BOUND]
    assert wrong == []


def test_the_provider_client_imports_only_itself_and_observability() -> None:
    wrong = [str(e) for e in edges_from("provider") if part(e.imported) != "observability"]
    assert wrong == []


def test_observability_imports_no_queue_and_no_feature() -> None:
    allowed = {"extensions", "models", "config"}
    wrong = [str(e) for e in edges_from("observability") if part(e.imported) not in allowed]
    assert wrong == []


@pytest.mark.parametrize("area", SHARED)
def test_shared_modules_import_no_feature_and_no_core(area: str) -> None:
    wrong = [str(e) for e in edges_from(area)
             if part(e.imported) in (*FEATURES, "payout_core", "webapp", "blueprints")]
    assert wrong == []


@pytest.mark.parametrize("feature", FEATURES)
def test_features_use_each_other_only_through_public_modules(feature: str) -> None:
    wrong = []
    for edge in edges_from(feature):
        other = part(edge.imported)
        if other in FEATURES and edge.imported not in public_modules(other) | {f"webapp.{other}"}:
            wrong.append(str(edge))
    assert wrong == []


def test_nothing_below_the_features_imports_a_feature() -> None:
    below = {*SHARED, "payout_core", "provider", "observability", "sandbox"}
    wrong = [str(e) for e in EDGES if part(e.importer) in below and part(e.imported) in FEATURES]
    assert wrong == []


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_package_imports_nothing_when_it_is_imported(feature: str) -> None:
    """Importing `webapp.<feature>.anything` runs the feature's `__init__.py` first. One that
    imported its routes pulled in every feature those routes use, and a chain through two
    such packages (admin → batches → approvals → admin) broke `flask --app wsgi` on a fresh
    interpreter, although every module-level rule above held."""
    tree = ast.parse((ROOT / "webapp" / feature / "__init__.py").read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not [ast.unparse(node) for node in imports
                if not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
