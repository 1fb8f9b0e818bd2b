#!/usr/bin/env python3
"""The target graph of docs/ARCHITECTURE.md, from Package.swift.

  python3 Scripts/architecture.py           check: the document's graph is Package.swift's,
                                            every module a target imports is declared, and
                                            GridStore holds no SQL of the feature slices
  python3 Scripts/architecture.py --write   rewrite the graph in the document

The graph sits between the markers <!-- targets:begin --> and <!-- targets:end -->.
"""
import os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc_path = os.path.join(root, "docs", "ARCHITECTURE.md")
BEGIN, END = "<!-- targets:begin -->", "<!-- targets:end -->"
# Modules of the toolchain, importable without a declared dependency.
TOOLCHAIN = {"Foundation", "FoundationNetworking", "Dispatch", "Glibc", "Synchronization", "Testing", "XCTest"}

def read_targets():
    """The targets of Package.swift, read as text (`swift package dump-package` would wait
    for the build folder's lock while `swift test` holds it): kind, name, dependencies."""
    text = open(os.path.join(root, "Package.swift")).read()
    text = re.sub(r'\.product\(name:\s*"([^"]+)",\s*package:\s*"[^"]+"\)', r'"\1"', text)
    kinds = {"target": "regular", "executableTarget": "executable", "testTarget": "test", "systemLibrary": "system"}
    out = {}
    for m in re.finditer(r'\.(target|executableTarget|testTarget|systemLibrary)\(name:\s*"([^"]+)"', text):
        deps = []
        rest = text[m.end():]
        d = re.match(r'\s*,\s*dependencies:\s*\[', rest)
        if d:
            depth, i = 1, d.end()
            while depth:
                depth += {"[": 1, "]": -1}.get(rest[i], 0)
                i += 1
            deps = re.findall(r'"([^"]+)"', rest[d.end():i - 1])
        out[m.group(2)] = {"name": m.group(2), "type": kinds[m.group(1)], "dependencies": deps}
    return out

targets = read_targets()

def dependencies(t):
    return t["dependencies"]

def graph():
    """One line per target that is not a test, lowest layer first: name ← what it imports."""
    deps = {n: dependencies(t) for n, t in targets.items() if t["type"] != "test"}
    depth = {}
    def level(n):
        if n not in depth:
            depth[n] = 1 + max([level(d) for d in deps[n] if d in deps] or [-1])
        return depth[n]
    lines = []
    for n in sorted(deps, key=lambda n: (level(n), n)):
        inside = [d for d in deps[n] if d in deps]
        outside = [d for d in deps[n] if d not in deps]
        text = f"{'  ' * level(n)}{n}"
        if inside: text += " ← " + ", ".join(inside)
        if outside: text += f"   [{', '.join(outside)}]"
        lines.append(text)
    return "```\n" + "\n".join(lines) + "\n```"

def undeclared():
    """Imports of a target's sources that are neither declared nor the toolchain's."""
    problems = []
    for name, t in targets.items():
        if t["type"] == "system":
            continue
        folder = os.path.join(root, "Tests" if t["type"] == "test" else "Sources", name)
        declared = set(dependencies(t)) | TOOLCHAIN
        for base, _, files in os.walk(folder):
            for f in files:
                if not f.endswith(".swift"):
                    continue
                for m in re.finditer(r"^(?:@testable |@_exported )?import (\w+)", open(os.path.join(base, f)).read(), re.M):
                    if m.group(1) not in declared:
                        problems.append(f"{name}: {os.path.relpath(os.path.join(base, f), root)} imports {m.group(1)}, not a declared dependency")
    return problems

# Feature slices (issue 38): a feature target owns its tables, their migrations and their SQL;
# GridStore — connections, transactions, the migration runner, the core's schema, the dialect,
# copies and backups — names them only in the hooks listed below, and imports no feature target.
# The slices, with their tables:
FEATURES = {
    "GridAssessment": ["assessment_daily", "assessment_monthly", "assessment_dirty", "assessment_config", "rankings"],
    "GridCases": ["cases", "case_history", "case_photos", "case_numbers", "case_followups", "case_density", "case_facilities",
                  "case_categories", "departments", "category_examples", "routing_rules", "notice_templates", "duty_phones",
                  "triage_limits", "notices", "request_keys", "open311_keys", "webhooks", "outbox", "facilities"],
    "GridTracking": ["devices", "pings", "events", "device_states"],
    "GridPeople": ["people", "access_log", "field_updates", "organisations"],
}
# GridStore files that still reach into a moved slice's tables, and why.
HOOKS = {
    "Store+Calendar.swift": "a new working calendar counts every case again",
    "StoreReader.swift": "the health check's row counts of the main tables",
    "StoreCopy.swift": "a copy loads the cases' changes the assessment's triggers note (assessment_dirty) last, in place of theirs",
}

def feature_sql():
    problems = []
    store = targets.get("GridStore", {"dependencies": []})
    for d in store["dependencies"]:
        if d in FEATURES:
            problems.append(f"GridStore depends on the feature target {d}")
    folder = os.path.join(root, "Sources", "GridStore")
    for f in sorted(os.listdir(folder)):
        if not f.endswith(".swift"):
            continue
        text = open(os.path.join(folder, f)).read()
        # A table named where SQL names one: after FROM, JOIN, INTO, UPDATE or TABLE, or as a
        # string of its own ("cases"); a word in a comment is not SQL.
        named = [(feature, t) for feature, tables in FEATURES.items() for t in tables
                 if re.search(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+" + t + r"\b|\"" + t + r"\"", text)]
        if f in HOOKS:
            if not named:
                problems.append(f"GridStore: Sources/GridStore/{f} is listed in HOOKS but names no feature's table: take it out")
            continue
        for feature, t in named:
            problems.append(f"GridStore: Sources/GridStore/{f} names {t}, a table of {feature}: its SQL belongs there")
    for f in HOOKS:
        if not os.path.exists(os.path.join(folder, f)):
            problems.append(f"Scripts/architecture.py: HOOKS lists {f}, not a file of GridStore")
    return problems

doc = open(doc_path).read()
if BEGIN not in doc or END not in doc:
    sys.exit(f"{doc_path}: no {BEGIN} … {END} block")
current = doc[doc.index(BEGIN) + len(BEGIN):doc.index(END)].strip()
wanted = graph()
if "--write" in sys.argv:
    open(doc_path, "w").write(doc[:doc.index(BEGIN) + len(BEGIN)] + "\n" + wanted + "\n" + doc[doc.index(END):])
    print("docs/ARCHITECTURE.md: target graph written")
    sys.exit(0)
problems = undeclared() + feature_sql()
if current != wanted:
    problems.insert(0, "docs/ARCHITECTURE.md's target graph is not Package.swift's: run python3 Scripts/architecture.py --write\n"
                       f"document:\n{current}\nPackage.swift:\n{wanted}")
if problems:
    sys.exit("\n".join(problems))
print(f"architecture: {len(targets)} targets; the document's graph is Package.swift's; every import declared; "
      f"GridStore holds no SQL of {', '.join(FEATURES)} but in its {len(HOOKS)} listed hooks")
