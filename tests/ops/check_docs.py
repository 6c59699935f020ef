#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The documentation of flowrec and flowq is kept in step with the tools.

--help is the source: the option parsers print it, and it will be generated
from their option tables. Everything else is compared with it, both ways:

  * man/flowrec.8, section OPTIONS: exactly the options of `flowrec --help`;
    man/flowq.1, subsection "flowq CMD": exactly those of `flowq CMD --help`;
    both pages mention --version.
  * every option --help names is known to the parser (not "unknown option");
    for flowq, an option accepted by a command is in that command's --help and
    one that is not accepted is not (commands without --db, verify-export, are
    given a FILE instead; options that only go with others get them).
  * EXIT STATUS of each page == the exit codes of --help (flowq: of every
    command's --help), all of them values of common/fa_exit.h; README.md's
    "Exit codes" == the codes of both tools == every value of fa_exit.h.
  * the close reasons flowq flows --help, flowq(1) and README.md list == the
    words the schema's CHECK on flows.close_reason allows (test_names checks
    those against the recorder's names).
  * the bash completion, run in bash: flowq's commands, every command's
    options, flowrec's options; every value it offers is accepted by the
    parser and every value it leaves out of a closed set is refused; after an
    option that takes a value it offers no option names.
  * dist/example.conf names every flowrec option an instance may set (all
    but db, cell, run, replay, help, version), and no other.

usage: check_docs.py FLOWREC FLOWQ SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile

FLOWREC, FLOWQ, SRC = sys.argv[1:4]
failures = []

OPT = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-h)(?![\w-])")


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def ok(msg):
    print("ok - " + msg)


def same(what, doc, truth):
    """doc and truth must hold the same items; name what differs."""
    doc, truth = set(doc), set(truth)
    if doc == truth:
        ok("%s: %d the same" % (what, len(doc)))
        return
    if truth - doc:
        fail("%s: missing %s" % (what, sorted(truth - doc)))
    if doc - truth:
        fail("%s: extra %s" % (what, sorted(doc - truth)))


def run(*argv, stdin=None):
    p = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def options_in(text):
    return set(OPT.findall(text))


def man_text(path):
    """The page's source with roff escapes for dashes and fonts undone."""
    with open(path, encoding="utf-8") as f:
        s = f.read()
    s = s.replace("\\-", "-")
    s = re.sub(r"\\f[BIRP]", "", s)
    return s


def man_sections(text):
    """{".SH NAME" or ".SS NAME": body} in order."""
    out, key, body = {}, None, []
    for line in text.splitlines():
        m = re.match(r'^\.(SH|SS)\s+"?([^"]*)"?\s*$', line)
        if m:
            if key:
                out[key] = "\n".join(body)
            key, body = "%s %s" % (m.group(1), m.group(2)), []
        elif key:
            body.append(line)
    if key:
        out[key] = "\n".join(body)
    return out


def man_options_section(secs, name):
    """Body of .SH name plus its .SS subsections (they follow it)."""
    keys = list(secs)
    i = keys.index("SH " + name)
    text = secs[keys[i]]
    for k in keys[i + 1 :]:
        if k.startswith("SH "):
            break
        text += "\n" + secs[k]
    return text


def man_exit_codes(secs):
    return set(int(n) for n in re.findall(r"^\.TP\n\.B (\d+)$", secs["SH EXIT STATUS"], re.M))


def fa_exit_values():
    with open(os.path.join(SRC, "common/fa_exit.h")) as f:
        return set(int(v) for v in re.findall(r"FA_EXIT_\w+ = (\d+)", f.read()))


# ---------------------------------------------------------------- flowrec
rc, rec_help, _ = run(FLOWREC, "--help")
assert rc == 0, "flowrec --help failed"
rec_opts = options_in(rec_help)
rec_man = man_sections(man_text(os.path.join(SRC, "man/flowrec.8")))
same("flowrec(8) OPTIONS vs flowrec --help", options_in(man_options_section(rec_man, "OPTIONS")), rec_opts)
if "--version" not in rec_man["SH SYNOPSIS"]:
    fail("flowrec(8) SYNOPSIS does not mention --version")

rec_takes_value = set()
for o in sorted(rec_opts):
    rc, out, err = run(FLOWREC, o)
    if "unknown option" in err:
        fail("flowrec --help names %s, which the parser does not know: %s" % (o, err.strip()))
    if "needs a value" in err:
        rec_takes_value.add(o)
ok("flowrec's parser knows every option of --help; %d take a value" % len(rec_takes_value))
m = re.search(r"Exit status:(.*?)(\n\n|\Z)", rec_help, re.S)
rec_codes = set(int(n) for n in re.findall(r"(?:^|[:;])\s*(\d+) ", m.group(1)))
same("flowrec(8) EXIT STATUS vs flowrec --help", man_exit_codes(rec_man), rec_codes)
if not rec_codes <= fa_exit_values():
    fail("flowrec --help names exit codes not in fa_exit.h: %s" % sorted(rec_codes - fa_exit_values()))

# ---------------------------------------------------------------- flowq
rc, q_help, _ = run(FLOWQ, "--help")
assert rc == 0, "flowq --help failed"
commands = re.findall(r"^  ([\w-]+)\s{2,}", q_help.split("COMMANDS\n", 1)[1].split("\n\n", 1)[0], re.M)
q_man = man_sections(man_text(os.path.join(SRC, "man/flowq.1")))
same("flowq(1) command subsections vs flowq --help COMMANDS",
     [k[len("SS flowq "):] for k in q_man if k.startswith("SS flowq ")], commands)
if "--version" not in q_man["SH SYNOPSIS"] or "--version" not in q_help:
    fail("flowq --version is not in both --help and the page's SYNOPSIS")

# A valid value for each flowq option, so that acceptance (not the value) is tested.
SAMPLE = {
    "--db": None, "--format": "json", "--output": "out.x", "--digest": "sha256",
    "--cell": "c", "--run": "r", "--since": "1h", "--until": "1h", "--dst": "10.0.0.0/8",
    "--port": "1", "--proto": "tcp", "--decision": "allow", "--direction": "egress",
    "--reason": "x", "--limit": "1", "--help": None, "-h": None,
    "--key": "k.pem", "--kid": "k", "--key-pass-file": "pass", "--pubkey": "k.pub",
}
# Options that only count together with others: given with those, so that a
# refusal means the command does not take the option.
COMPANIONS = {
    "--key": ["--format", "cose-sign1"],
    "--kid": ["--format", "cose-sign1", "--key", "k.pem"],
    "--key-pass-file": ["--format", "cose-sign1", "--key", "k.pem"],
    "--format cose-sign1": ["--key", "k.pem"],
}


def base_argv(c):
    """flowq C and its inputs: --db for the database commands, a FILE for the others."""
    if "--db" in cmd_opts[c]:
        return [FLOWQ, c, "--db", missing_db]
    return [FLOWQ, c, os.path.join(tmp, "missing.file")]


cmd_opts = {}
q_codes_man = man_exit_codes(q_man)
all_q_opts = set(options_in(q_help))
for c in commands:
    rc, h, _ = run(FLOWQ, c, "--help")
    assert rc == 0, "flowq %s --help failed" % c
    cmd_opts[c] = options_in(h)
    all_q_opts |= cmd_opts[c]
    same("flowq(1) 'flowq %s' vs flowq %s --help" % (c, c), options_in(q_man["SS flowq " + c]), cmd_opts[c])
    codes = set(int(n) for n in re.findall(r"^  (\d+)\s", h.split("EXIT STATUS\n", 1)[1], re.M))
    same("flowq(1) EXIT STATUS vs flowq %s --help" % c, q_codes_man, codes)
    if not codes <= fa_exit_values():
        fail("flowq %s --help names exit codes not in fa_exit.h" % c)
all_q_opts.discard("--version")  # top level only
tmp = tempfile.mkdtemp()
missing_db = os.path.join(tmp, "missing.db")
for c in commands:
    for o in sorted(all_q_opts):
        if o not in SAMPLE:
            fail("no sample value for flowq option %s: add one to this test" % o)
            continue
        argv = base_argv(c)
        if o == "--db" and "--db" not in argv:
            argv += [o, missing_db]
        elif o != "--db":
            argv += [o] + ([SAMPLE[o]] if SAMPLE[o] is not None else []) + COMPANIONS.get(o, [])
        rc, out, err = run(*argv)
        accepted = rc != 2  # 0 (help), 3 (database missing), 10 or 12 (file, key missing): parsed
        if accepted != (o in cmd_opts[c]):
            fail("flowq %s %s: parser %s it, --help %s it (%s)" % (
                c, o, "accepts" if accepted else "refuses",
                "names" if o in cmd_opts[c] else "does not name", err.strip()))
ok("flowq's parser accepts exactly the options each command's --help names")

with open(os.path.join(SRC, "README.md")) as f:
    readme = f.read()
m = re.search(r"^## Exit codes\n(.*?)(?=^#)", readme, re.S | re.M)
same("README.md Exit codes vs both tools", set(int(n) for n in re.findall(r"`(\d+)`", m.group(1))),
     rec_codes | set(q_codes_man))

same("fa_exit.h vs the exit codes both tools document", fa_exit_values(), rec_codes | set(q_codes_man))

with open(os.path.join(SRC, "schema/001_initial.sql")) as f:
    reasons = re.findall(r"'(\w+)'", re.search(r"CHECK \(close_reason IN \(([^)]*)\)\)", f.read()).group(1))
rc, flows_help, _ = run(FLOWQ, "flows", "--help")
same("flowq flows --help close reasons vs the schema",
     re.findall(r"\w+", re.search(r"close_reason \(([^)]*)\)", flows_help).group(1)), reasons)
m = re.search(r"close_reason\s*\n\.RB \(([^)]*)\)", man_text(os.path.join(SRC, "man/flowq.1")))
same("flowq(1) close reasons vs the schema", re.findall(r"\w+", m.group(1) if m else ""), reasons)
m = re.search(r"close reason \(([^)]*)\)", readme)
same("README.md close reasons vs the schema", re.findall(r"`(\w+)`", m.group(1) if m else ""), reasons)

# ---------------------------------------------------------------- completion
COMP = os.path.join(SRC, "dist/bash-completion")


def complete(tool, prog, words):
    """COMPREPLY of the completion function for the command line words (the
    last one is being completed)."""
    script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); ' \
             '_%s; printf "%%s\\n" "${COMPREPLY[@]}"' % tool
    rc, out, err = run("bash", "-c", script, "complete", os.path.join(COMP, tool), prog, *words)
    if rc != 0 or err:
        fail("completion %s %s: rc %d %s" % (tool, " ".join(words), rc, err.strip()))
    return [w for w in out.split("\n") if w]


same("completion: flowq COMMAND", [w for w in complete("flowq", FLOWQ, [""]) if not w.startswith("-")],
     commands)
for c in commands:
    same("completion: flowq %s -" % c, complete("flowq", FLOWQ, [c, "-"]), cmd_opts[c])
same("completion: flowrec -", complete("flowrec", FLOWREC, ["-"]), rec_opts)

# Closed value sets: offered values are accepted, the others refused.
FORMATS = ["table", "json", "ndjson", "cbor-seq", "cbor", "cose-sign1"]
for c in commands:
    offered = complete("flowq", FLOWQ, [c, "--format", ""])
    for f in FORMATS:
        rc, _, err = run(*base_argv(c), "--format", f, *COMPANIONS.get("--format " + f, []))
        if (rc != 2) != (f in offered):
            fail("completion: flowq %s --format %s %s, parser: %s" % (
                c, f, "offered" if f in offered else "not offered", err.strip() or "accepted"))
for o in ("--digest", "--proto", "--decision", "--direction", "--reason"):
    for v in complete("flowq", FLOWQ, ["export", o, ""]):
        rc, _, err = run(FLOWQ, "export", "--db", missing_db, o, v)
        if rc == 2:
            fail("completion: flowq export %s %s is offered but refused: %s" % (o, v, err.strip()))
for o in ("--iface-side", "--source", "--durability"):
    values = complete("flowrec", FLOWREC, [o, ""])
    if not values:
        fail("completion: flowrec %s offers no value" % o)
    for v in values:
        rc, _, err = run(FLOWREC, o, v)
        if o + ":" in err:
            fail("completion: flowrec %s %s is offered but refused: %s" % (o, v, err.strip()))
for o in sorted(rec_takes_value):
    if any(w.startswith("--") for w in complete("flowrec", FLOWREC, [o, ""])):
        fail("completion: after flowrec %s (which takes a value) it offers options" % o)
for c in commands:
    for o in sorted(cmd_opts[c]):
        if SAMPLE.get(o) is None:
            continue
        if any(w.startswith("-") for w in complete("flowq", FLOWQ, [c, o, ""])):
            fail("completion: after flowq %s %s (which takes a value) it offers options" % (c, o))
ok("completion values checked against the parsers")

# ---------------------------------------------------------------- example.conf
with open(os.path.join(SRC, "dist/example.conf")) as f:
    keys = re.findall(r"^# ([a-z][a-z0-9-]*)(?: = .*|\s+#.*)$", f.read(), re.M)
dups = sorted(k for k in set(keys) if keys.count(k) > 1)
if dups:
    fail("example.conf names keys twice: %s" % dups)
unit_owned = {"--db", "--cell", "--run", "--replay", "--help", "--version"}
same("example.conf keys vs flowrec --help (less those the unit sets)",
     ["--" + k for k in keys], rec_opts - unit_owned)

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("all documentation checks passed")
