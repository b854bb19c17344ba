#!/usr/bin/env python3
"""Generate swdflash(1) and the bash, zsh and fish completions from --help.

The built tool is the one source: its main help gives the commands, the
global options, the exit statuses and the environment; `swdflash help CMD`
gives each command's synopsis, summary and options, printed from the same
tables the option parser reads. So the man page and the completions cannot
drift from what the tool accepts.

usage: gen_cli_docs.py TOOL MAN_TEMPLATE OUT_MAN OUT_BASH OUT_ZSH OUT_FISH
           [--define NAME=VALUE]...
"""

import re
import subprocess
import sys


# ---- reading the help ----------------------------------------------------

def run_help(tool, *args):
    out = subprocess.run([tool, *args], check=True, capture_output=True, text=True)
    return out.stdout


def sections(text):
    """Split a help text into (heading, [lines]) at lines ending in ':'."""
    result = [("", [])]
    for line in text.splitlines():
        m = re.match(r"^([a-z]+(?: [a-z]+){0,2})(?: \(.*\))?:(?: (.*))?$", line)
        if m:
            result.append((m.group(1), [m.group(2)] if m.group(2) else []))
        else:
            result[-1][1].append(line)
    return [(h, [l for l in ls]) for h, ls in result]


# An option line: "  -s, --serial SERIAL" then the help from column 31, or
# the help alone on the next line when the option is too long for the column.
HELP_COLUMN = 31
OPT_SPEC = re.compile(r"^(?:-(?P<short>\w), )?--(?P<long>[\w-]+)(?: (?P<value>\S+))?$")


def parse_options(lines):
    opts = []
    pending = None
    for line in lines:
        if not line.strip():
            continue
        if line.startswith("  ") and line[2:].lstrip().startswith("-") and pending is None:
            if len(line) > HELP_COLUMN and line[HELP_COLUMN - 1] == " " and \
                    line[HELP_COLUMN] != " ":
                spec, text = line[:HELP_COLUMN].strip(), line[HELP_COLUMN:].strip()
            else:
                spec, text = line.strip(), None
            m = OPT_SPEC.match(spec)
            if not m:
                raise SystemExit(f"cannot parse the option line {line!r}")
            opt = {"short": m.group("short"), "long": m.group("long"),
                   "value": m.group("value"), "help": text}
            opts.append(opt)
            if text is None:
                pending = opt
        elif pending is not None:
            pending["help"] = line.strip()
            pending = None
        elif opts:
            opts[-1]["help"] += " " + line.strip()
    return opts


def parse_commands(lines):
    """The command names, in help order (summaries come from `help CMD`)."""
    names = []
    for line in lines:
        m = re.match(r"^  (\S+)", line)
        if m:
            names.append(m.group(1))
    return names


def parse_entries(lines):
    """ "  NAME  text" entries, continuation lines joined."""
    entries = []
    for line in lines:
        if not line.strip():
            continue
        m = re.match(r"^\s*(\S+)\s\s+(.*)$", line) if re.match(r"^  \S", line) else None
        if m:
            entries.append([m.group(1), m.group(2).strip()])
        elif entries:
            entries[-1][1] += " " + line.strip()
        else:
            entries.append(["", line.strip()])
    return entries


def read_cli(tool):
    main = dict()
    paragraphs = []
    for heading, lines in sections(run_help(tool, "--help")):
        main.setdefault(heading, []).extend(lines)
        paragraphs.append(heading)
    model = {
        "usage": None,
        "description": [],
        "commands": [],
        "global_options": parse_options(main.get("options", [])),
        "exit": parse_entries(main.get("exit status", [])),
        "environment": parse_entries(main.get("environment", [])),
        "notes": [],
    }
    for heading in paragraphs:
        if heading not in ("", "commands", "options", "exit status", "environment", "usage"):
            model["notes"].append((heading, " ".join(l.strip() for l in main[heading] if l.strip())))
    usage = main.get("usage", [])
    model["usage"] = usage[0].strip() if usage else ""
    model["description"] = " ".join(l.strip() for l in usage[1:] if l.strip())
    if not model["usage"] or not model["global_options"] or not model["exit"]:
        raise SystemExit("swdflash --help lacks its usage, options or exit statuses")
    for name in parse_commands(main.get("commands", [])):
        text = run_help(tool, "help", name)
        parts = sections(text)
        usage = next(ls for h, ls in parts if h == "usage")
        synopsis = usage[0].strip() if usage else ""
        prefix = "swdflash " + name
        args = synopsis[len(prefix):].strip() if synopsis.startswith(prefix) else ""
        summary = " ".join(l.strip() for l in usage[1:] if l.strip())
        cmd_opts = [o for h, ls in parts if h == "options" for o in parse_options(ls)]
        model["commands"].append({"name": name, "args": args, "summary": summary,
                                  "options": cmd_opts})
    if not model["commands"]:
        raise SystemExit("swdflash --help lists no commands")
    return model


# What an option's value may be, read from its help ("normal, hot-plug,
# under-reset or auto (default)") or its value name ("bin|hex").
def value_choices(opt):
    if opt["value"] and "|" in opt["value"]:
        return opt["value"].split("|")
    text = re.sub(r"\([^)]*\)", "", opt["help"] or "")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ,", ",", text).strip()
    if re.fullmatch(r"[a-z][\w-]*(?:, [a-z][\w-]*)*(?:,? or [a-z][\w-]*)?", text) and \
            ("," in text or " or " in text):
        return re.split(r",? or |, ", text)
    return None


def value_kind(opt):
    """'serial', 'file', 'choices' or 'other' for an option's value."""
    if not opt["value"]:
        return None
    if opt["value"] == "SERIAL":
        return "serial"
    if opt["value"] in ("FILE", "IMAGE", "DIR"):
        return "file"
    return "choices" if value_choices(opt) else "other"


def takes_files(cmd):
    return re.search(r"\b(FILE|IMAGE)\b", cmd["args"]) is not None


def takes_chips(cmd):
    """A command whose argument is a chip of the chip database."""
    return re.search(r"\bCHIP\b", cmd["args"]) is not None


# ---- man page ------------------------------------------------------------

def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def roff_option(o):
    spec = f"\\fB\\-\\-{roff(o['long'])}\\fR"
    if o["short"]:
        spec = f"\\fB\\-{o['short']}\\fR, " + spec
    if o["value"]:
        spec += f" \\fI{roff(o['value'])}\\fR"
    return f".TP\n{spec}\n{roff(o['help'] or '')}\n"


def man_page(model, template, defines):
    commands = []
    for c in model["commands"]:
        commands.append(f".TP\n\\fBswdflash {roff(c['name'])}\\fR {roff(c['args'])}\n"
                        f"{roff(c['summary'])}\n")
        if c["options"]:
            commands.append(".RS\n")
            commands.extend(roff_option(o) for o in c["options"])
            commands.append(".RE\n")
    notes = "".join(f".SS {roff(h.capitalize())}\n{roff(t)}\n" for h, t in model["notes"])
    values = {
        "DESCRIPTION": roff(model["description"]),
        "COMMANDS": "".join(commands).rstrip("\n"),
        "GLOBAL_OPTIONS": "".join(roff_option(o) for o in model["global_options"]).rstrip("\n"),
        "NOTES": notes.rstrip("\n"),
        "EXIT_STATUS": "".join(f".TP\n.B {roff(k)}\n{roff(v)}\n"
                               for k, v in model["exit"]).rstrip("\n"),
        "ENVIRONMENT": "".join(f".TP\n.B {roff(k)}\n{roff(v)}\n"
                               for k, v in model["environment"]).rstrip("\n"),
    }
    values.update(defines)

    def subst(m):
        if m.group(1) not in values:
            raise SystemExit(f"unknown template variable @{m.group(1)}@")
        return values[m.group(1)]
    return re.sub(r"@([A-Z_]+)@", subst, template)


# ---- completions ---------------------------------------------------------

SERIALS_SH = ("swdflash --json list 2>/dev/null | grep -o '\"serial\": *\"[^\"]*\"' "
              "| sed 's/.*\"\\([^\"]*\\)\"$/\\1/'")
# The chip ids of the chip database (`swdflash chips`).
CHIPS_SH = ("swdflash --json chips 2>/dev/null | grep -o '\"id\": *\"[^\"]*\"' "
            "| sed 's/.*\"\\([^\"]*\\)\"$/\\1/'")


def all_opts(model, cmd=None):
    opts = list(model["global_options"])
    if cmd is not None:
        opts = cmd["options"] + [o for o in opts if o["long"] not in ("help", "version")]
    return opts


def option_words(opts):
    words = []
    for o in opts:
        if o["short"]:
            words.append("-" + o["short"])
        words.append("--" + o["long"])
    return words


def bash_value_cases(opts, indent):
    """case arms completing the value of each option in opts that takes one."""
    out = []
    for o in opts:
        kind = value_kind(o)
        if not kind:
            continue
        words = "|".join(["--" + o["long"]] + (["-" + o["short"]] if o["short"] else []))
        if kind == "serial":
            action = 'COMPREPLY=($(compgen -W "$(_swdflash_serials)" -- "$cur"))'
        elif kind == "choices":
            action = f'COMPREPLY=($(compgen -W "{" ".join(value_choices(o))}" -- "$cur"))'
        elif kind == "file":
            action = 'COMPREPLY=($(compgen -f -- "$cur"))'
        else:
            action = ":"
        out.append(f"{indent}{words}) {action}; return ;;")
    return out


def bash_completion(model):
    valued = set()
    for cmd in [None] + model["commands"]:
        for o in all_opts(model, cmd):
            if o["value"]:
                valued.add("--" + o["long"])
                if o["short"]:
                    valued.add("-" + o["short"])
    out = ["# bash completion for swdflash (generated from swdflash --help)", "",
           "_swdflash_serials()", "{", f"  {SERIALS_SH}", "}", "",
           "_swdflash_chips()", "{", f"  {CHIPS_SH}", "}", "",
           "_swdflash()", "{",
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
           "  local cmd='' i w",
           "  COMPREPLY=()",
           "  for ((i = 1; i < COMP_CWORD; i++)); do",
           "    w=${COMP_WORDS[i]}",
           "    case $w in"]
    if valued:
        out.append(f"      {'|'.join(sorted(valued))})")
        out.append("        [[ ${COMP_WORDS[i+1]} == = ]] && ((i++))")
        out.append("        ((i++)) ;;")
    out += ["      -*) ;;",
            "      *) cmd=$w; break ;;",
            "    esac",
            "  done",
            "  if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then",
            "    prev=${COMP_WORDS[COMP_CWORD-2]}",
            "  fi",
            "  case $cmd in"]
    for c in model["commands"]:
        arms = bash_value_cases(c["options"], "        ")
        if arms:
            out += [f"    {c['name']})", "      case $prev in"] + arms + ["      esac ;;"]
    out += ["  esac",
            "  case $prev in"]
    out += bash_value_cases(model["global_options"], "    ")
    out += ["  esac",
            "  if [[ -z $cmd ]]; then",
            "    if [[ $cur == -* ]]; then",
            f"      COMPREPLY=($(compgen -W \"{' '.join(option_words(all_opts(model)))}\" "
            "-- \"$cur\"))",
            "    else",
            f"      COMPREPLY=($(compgen -W \"{' '.join(c['name'] for c in model['commands'])}\" "
            "-- \"$cur\"))",
            "    fi",
            "    return",
            "  fi",
            "  case $cmd in"]
    for c in model["commands"]:
        words = " ".join(option_words(all_opts(model, c)))
        if c["name"] == "help":
            rest = (f"COMPREPLY=($(compgen -W \"{' '.join(x['name'] for x in model['commands'])}\""
                    " -- \"$cur\"))")
        elif takes_files(c):
            rest = "COMPREPLY=($(compgen -f -- \"$cur\"))"
        elif takes_chips(c):
            rest = "COMPREPLY=($(compgen -W \"$(_swdflash_chips)\" -- \"$cur\"))"
        else:
            rest = ":"
        out += [f"    {c['name']})",
                "      if [[ $cur == -* ]]; then",
                f"        COMPREPLY=($(compgen -W \"{words}\" -- \"$cur\"))",
                "      else",
                f"        {rest}",
                "      fi ;;"]
    out += ["  esac", "}", "",
            "complete -o filenames -o bashdefault -F _swdflash swdflash", ""]
    return "\n".join(out)


def zsh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def zsh_spec(o):
    desc = (o["help"] or "").replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    kind = value_kind(o)
    if kind == "serial":
        action = ":serial:_swdflash_serials"
    elif kind == "choices":
        action = f":{o['value'].lower()}:({' '.join(value_choices(o))})"
    elif kind == "file":
        action = f":{o['value'].lower()}:_files"
    elif kind == "other":
        action = f":{o['value'].lower()}: "
    else:
        action = ""
    repeat = "*" if o["long"] == "verbose" else ""
    names = ["--" + o["long"] + ("=" if o["value"] else "")]
    if o["short"]:
        names.insert(0, "-" + o["short"])
    if len(names) == 1:
        return [zsh_quote(f"{repeat}{names[0]}[{desc}]{action}")]
    excl = "" if repeat else f"({' '.join(n.rstrip('=') for n in names)})"
    return [zsh_quote(f"{excl}{repeat}{n}[{desc}]{action}") for n in names]


def zsh_completion(model):
    out = ["#compdef swdflash", "# zsh completion for swdflash (generated from swdflash --help)",
           "", "_swdflash_serials() {",
           "  local -a serials",
           f"  serials=(${{(f)\"$({SERIALS_SH})\"}})",
           "  compadd -a serials",
           "}", "",
           "_swdflash_chips() {",
           "  local -a chips",
           f"  chips=(${{(f)\"$({CHIPS_SH})\"}})",
           "  compadd -a chips",
           "}", "",
           "_swdflash() {",
           "  local curcontext=$curcontext state line ret=1",
           "  local -a global_opts commands",
           "  global_opts=("]
    for o in all_opts(model):
        out += ["    " + s for s in zsh_spec(o)]
    out += ["  )", "  commands=("]
    for c in model["commands"]:
        out.append("    " + zsh_quote(f"{c['name']}:{c['summary']}"))
    out += ["  )",
            "  _arguments -C -s $global_opts '1:command:->command' '*::argument:->argument' "
            "&& ret=0",
            "  case $state in",
            "    command) _describe -t commands 'swdflash command' commands && ret=0 ;;",
            "    argument)",
            "      case $words[1] in"]
    for c in model["commands"]:
        specs = []
        for o in all_opts(model, c):
            specs += zsh_spec(o)
        if c["name"] == "help":
            specs.append(zsh_quote("1:command:(" + " ".join(x["name"] for x in model["commands"])
                                   + ")"))
        elif takes_files(c):
            specs.append(zsh_quote("*:file:_files"))
        elif takes_chips(c):
            specs.append(zsh_quote("1:chip:_swdflash_chips"))
        out.append(f"        {c['name']}) _arguments -s {' '.join(specs)} && ret=0 ;;")
    out += ["      esac ;;", "  esac", "  return ret", "}", "",
            "_swdflash \"$@\"", ""]
    return "\n".join(out)


def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish_completion(model):
    names = " ".join(c["name"] for c in model["commands"])
    serials = ("(swdflash --json list 2>/dev/null | string match -r -a -g "
               "'\"serial\": *\"([^\"]*)\"')")
    chips = ("(swdflash --json chips 2>/dev/null | string match -r -a -g "
             "'\"id\": *\"([^\"]*)\"')")
    out = ["# fish completion for swdflash (generated from swdflash --help)",
           "complete -c swdflash -f"]
    for c in model["commands"]:
        out.append(f"complete -c swdflash -n 'not __fish_seen_subcommand_from {names}' "
                   f"-a {c['name']} -d {fish_quote(c['summary'])}")

    def fish_opt(o, condition):
        parts = ["complete -c swdflash"]
        if condition:
            parts.append(f"-n {fish_quote(condition)}")
        if o["short"]:
            parts.append(f"-s {o['short']}")
        parts.append(f"-l {o['long']}")
        kind = value_kind(o)
        if kind == "serial":
            parts.append(f"-x -a {fish_quote(serials)}")
        elif kind == "choices":
            parts.append(f"-x -a {fish_quote(' '.join(value_choices(o)))}")
        elif kind == "file":
            parts.append("-r -F")
        elif kind == "other":
            parts.append("-x")
        parts.append(f"-d {fish_quote(o['help'] or '')}")
        return " ".join(parts)

    for o in all_opts(model):
        out.append(fish_opt(o, None))
    for c in model["commands"]:
        cond = f"__fish_seen_subcommand_from {c['name']}"
        for o in c["options"]:
            out.append(fish_opt(o, cond))
        if c["name"] == "help":
            out.append(f"complete -c swdflash -n {fish_quote(cond)} -a {fish_quote(names)}")
        elif takes_files(c):
            out.append(f"complete -c swdflash -n {fish_quote(cond)} -F")
        elif takes_chips(c):
            out.append(f"complete -c swdflash -n {fish_quote(cond)} -a {fish_quote(chips)}")
    out.append("")
    return "\n".join(out)


def main(argv):
    defines = {}
    args = []
    it = iter(argv[1:])
    for a in it:
        if a == "--define":
            k, _, v = next(it).partition("=")
            defines[k] = v
        else:
            args.append(a)
    if len(args) != 6:
        raise SystemExit(__doc__)
    tool, template, out_man, out_bash, out_zsh, out_fish = args
    model = read_cli(tool)
    with open(template, encoding="utf-8") as f:
        page = man_page(model, f.read(), defines)
    for path, text in ((out_man, page), (out_bash, bash_completion(model)),
                       (out_zsh, zsh_completion(model)), (out_fish, fish_completion(model))):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main(sys.argv)
