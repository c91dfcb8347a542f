"""The `rulecraft` command: wiring between arguments, the library and output streams.

Exit codes: 0 ok, 1 rule or input errors, 2 usage. A user's mistake never shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import BinaryIO, NoReturn, TextIO

from .distributed import ClusterError, extract_on_cluster
from .emit import FORMATS, make_emitter
from .errors import RuleError, RuleErrors
from .inputs import InputOptions, InputProblem, iter_documents
from .model import DocResult
from .pack import Pack, cpu_count, load

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake on the command line: an unknown option, a missing or bad argument."""

    def __init__(self, usage: str, message: str):
        self.usage = usage
        self.message = message
        super().__init__(message)


class _ArgumentParser(argparse.ArgumentParser):
    """An argument parser that raises UsageError instead of printing to sys.stderr and exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.format_usage(), f"{self.prog}: error: {message}")


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The parser of the `rulecraft` command line and its subcommands."""
    from . import __version__

    parser = _ArgumentParser(
        prog="rulecraft", description="Extract events from text with rule packs.")
    parser.add_argument("--version", action="version", version=f"rulecraft {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _add_run(sub)
    check = sub.add_parser("check", help="report every error of a rule pack")
    _add_rules_option(check)
    check.add_argument("--json", action="store_true", help="errors as JSON lines")
    test = sub.add_parser("test", help="run every rule's examples")
    _add_rules_option(test)
    test.add_argument("--rule", help="only this rule's examples")
    test.add_argument("-v", "--verbose", action="store_true", help="list passing examples too")
    explain = sub.add_parser("explain", help="why a rule matches a text, or why not")
    _add_rules_option(explain)
    explain.add_argument("--rule", required=True, help="rule name (file.name or name)")
    explain.add_argument("text", help="the text, or @FILE to read it from a file")
    rules = sub.add_parser("rules", help="list the rules of a pack")
    _add_rules_option(rules)
    _add_eval(sub)
    return parser


def _add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="PACK", help="rule pack folder or YAML file "
                        "(default: the shipped conflict pack)")


def _add_run(sub) -> None:
    run = sub.add_parser("run", help="run a pack over inputs")
    _add_rules_option(run)
    run.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="files, folders, globs, '-' for stdin, or .csv/.tsv/.jsonl corpora")
    run.add_argument("--format", choices=FORMATS, default="jsonl")
    run.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    run.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="worker processes (0: one per core)")
    run.add_argument("--text-column", help="text column of CSV/JSONL corpora (default: text)")
    run.add_argument("--id-column", help="id column of CSV/JSONL corpora (default: id)")
    run.add_argument("--timeout", type=_positive, default=2.0, metavar="SECONDS",
                     help="time bound of one rule on one document")
    run.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    run.add_argument("--dask", metavar="SCHEDULER", help="run on the Dask cluster whose "
                     "scheduler is at this address (tcp://HOST:8786) instead of --jobs; output "
                     "stays in input order")


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="score events against a gold CSV (FA-KES format)")
    _add_rules_option(ev)
    ev.add_argument("gold", help="gold CSV file")
    ev.add_argument("--text-column", default="article_content")
    ev.add_argument("--id-column", default="unit_id")
    ev.add_argument("--json", metavar="FILE", help="also write the scores as JSON here")
    ev.add_argument("--show-errors", type=int, default=10, metavar="N",
                    help="list up to N articles per field that disagree")
    ev.add_argument("--jobs", type=int, default=1, metavar="N")


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, stdin: BinaryIO | None = None) -> int:
    """Run the command line; returns the exit code. `stdin` is what the input '-' reads."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        with redirect_stdout(out):  # --help and --version
            args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    except UsageError as exc:
        print(exc.usage + exc.message, file=err)
        return EXIT_USAGE
    args.stdin = stdin
    return _dispatch(args, out, err)


def _dispatch(args, out: TextIO, err: TextIO) -> int:
    """Run a parsed command; rule, input and output problems become messages and exit codes."""
    try:
        return _COMMANDS[args.command](args, out, err)
    except UsageError as exc:
        print(exc.usage + exc.message, file=err)
        return EXIT_USAGE
    except RuleErrors as exc:
        print(exc.render(), file=err)
        print(f"{len(exc.errors)} error(s)", file=err)
        return EXIT_ERRORS
    except RuleError as exc:
        print(exc.render(), file=err)
        return EXIT_ERRORS
    except ClusterError as exc:
        print(f"rulecraft: {exc}", file=err)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        print("rulecraft: interrupted", file=err)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # an unreadable @FILE, an --out that cannot be written
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"rulecraft: {name}{exc.strerror or exc}", file=err)
        return EXIT_ERRORS


def _load(args) -> Pack:
    return load(args.rules, timeout=getattr(args, "timeout", 2.0))


def _check_rule(pack: Pack, name: str | None) -> None:
    """A usage error unless `name` (when given) names a rule of the pack."""
    if name is None:
        return
    try:
        pack.rule(name)
    except KeyError as exc:
        raise UsageError("", f"rulecraft: {exc.args[0]}") from None


def cmd_check(args, out: TextIO, err: TextIO) -> int:
    try:
        pack = _load(args)
        internal = pack.compiled.compile_programs()
        if internal:
            raise RuleErrors(internal)
    except RuleErrors as exc:
        if args.json:
            for error in exc.errors:
                print(json.dumps(error.to_dict()), file=out)
            return EXIT_ERRORS
        raise
    if args.json:  # one JSON object per error, and there are none
        return EXIT_OK
    examples = sum(len(r.examples) for r in pack.rules)
    print(f"ok: {len(pack.rules)} rules, {pack.compiled.lexicon.size} lexicon terms, "
          f"{examples} examples, {len(pack.compiled.stages)} stage(s)", file=out)
    return EXIT_OK


def cmd_test(args, out: TextIO, err: TextIO) -> int:
    from .examples import check_examples

    pack = _load(args)
    _check_rule(pack, args.rule)
    outcomes = check_examples(pack, args.rule)
    failed = [o for o in outcomes if not o.passed]
    for outcome in outcomes:
        if not outcome.passed or args.verbose:
            print(outcome.render(), file=out)
    passed = len(outcomes) - len(failed)
    print(f"{passed} passed, {len(failed)} failed", file=out)
    return EXIT_ERRORS if failed else EXIT_OK


def cmd_explain(args, out: TextIO, err: TextIO) -> int:
    from .explain import explain

    pack = _load(args)
    _check_rule(pack, args.rule)
    text = args.text
    if text.startswith("@"):
        text = Path(text[1:]).read_text(encoding="utf-8", errors="replace")
    print(explain(pack, args.rule, text).render(), file=out)
    return EXIT_OK


def cmd_rules(args, out: TextIO, err: TextIO) -> int:
    pack = _load(args)
    for rule in pack.rules:
        labels = ",".join(rule.labels) or "-"
        print(f"{rule.name}\t{labels}\tstage {rule.stage}\t{rule.provenance}", file=out)
    return EXIT_OK


def cmd_run(args, out: TextIO, err: TextIO) -> int:
    pack = _load(args)
    options = InputOptions(args.text_column, args.id_column)
    jobs = cpu_count() if args.jobs == 0 else args.jobs
    progress = _Progress(err, enabled=not args.quiet)
    with _output(args.out, out) as stream:
        emitter = make_emitter(args.format, stream)
        emitter.begin()
        failures = _run_all(pack, args, options, jobs, emitter, progress)
        emitter.end()
    progress.finish()
    return EXIT_ERRORS if failures else EXIT_OK


def _run_all(pack: Pack, args, options: InputOptions, jobs: int, emitter, progress) -> int:
    failures = 0
    problems: list[InputProblem] = []

    def documents():
        for item in iter_documents(args.inputs, options, args.stdin):
            if isinstance(item, InputProblem):
                problems.append(item)
                continue
            yield item

    with_events = args.format == "events"
    for result in _extract(pack, args, documents(), jobs, with_events):
        failures += _report_problems(problems, emitter, progress)
        emitter.write(result)
        failures += result.error is not None
        progress.document(result)
    failures += _report_problems(problems, emitter, progress)
    return failures


def _extract(pack: Pack, args, documents, jobs: int, with_events: bool):
    """Results in input order: from local processes, or from the Dask cluster of --dask."""
    if args.dask is None:
        return pack.extract_many(documents, jobs=jobs, with_events=with_events)
    return extract_on_cluster(args.dask, pack, documents, with_events=with_events)


def _report_problems(problems: list[InputProblem], emitter, progress) -> int:
    """Input problems: skipped binaries are warnings, anything else an error record."""
    count = 0
    while problems:
        problem = problems.pop(0)
        if problem.message.startswith("binary file skipped"):
            progress.warn(f"{problem.name}: {problem.message}")
            continue
        emitter.write(DocResult(problem.name, "", [], error=problem.message))
        progress.warn(f"{problem.name}: {problem.message}")
        progress.errors += 1
        count += 1
    return count


@contextmanager
def _output(path: str | None, default: TextIO):
    if path is None:
        yield default
        return
    with open(path, "w", encoding="utf-8", newline="") as stream:
        yield stream


class _Progress:
    """Progress and warnings on stderr; a summary at the end."""

    def __init__(self, err: TextIO, enabled: bool, every: float = 2.0):
        self.err = err
        self.enabled = enabled
        self.every = every
        self.started = self.last = time.perf_counter()
        self.docs = self.matches = self.errors = self.chars = 0

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=self.err)

    def document(self, result: DocResult) -> None:
        self.docs += 1
        self.matches += len(result.matches)
        self.chars += len(result.text)
        for warning in result.warnings:
            self.warn(f"{result.doc}: {warning}")
        if result.error is not None:
            self.errors += 1
            print(f"error: {result.doc}: {result.error}", file=self.err)
        now = time.perf_counter()
        if self.enabled and now - self.last >= self.every:
            self.last = now
            print(f"... {self._line(now)}", file=self.err, flush=True)

    def _line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        return (f"{self.docs} documents, {self.matches} matches, {self.errors} errors, "
                f"{self.chars / elapsed / 1e6:.2f} MB/s")

    def finish(self) -> None:
        if self.enabled:
            now = time.perf_counter()
            print(f"done: {self._line(now)} in {now - self.started:.1f}s", file=self.err)


def cmd_eval(args, out: TextIO, err: TextIO) -> int:
    from .evaluate import run_eval

    return run_eval(_load(args), args, out, err)


_COMMANDS = {
    "run": cmd_run,
    "check": cmd_check,
    "test": cmd_test,
    "explain": cmd_explain,
    "rules": cmd_rules,
    "eval": cmd_eval,
}


if __name__ == "__main__":
    sys.exit(main())
