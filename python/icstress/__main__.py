"""Command line: python3 -m icstress {plot,report,summary} ... (also `icstress report` of the C
program, which runs this). Exit status as the C program: 0 ok, 2 bad usage or bad input (one
stderr line naming the file and what was wrong; nothing written), 1 any other failure."""

import argparse
import os
import sys

from . import plots, report
from .reader import FormatError, open as open_results


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"icstress: error: {message} (see python3 -m icstress --help)", file=sys.stderr)
        sys.exit(2)


def _parser():
    p = _Parser(prog="python3 -m icstress",
                description="Figures and reports from icstress result files.")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report", help="one self-contained HTML page for OUT.h5")
    r.add_argument("file", metavar="OUT.h5")
    r.add_argument("-o", "--output", metavar="REPORT.html",
                   help="default: OUT.html next to the result file")
    r.add_argument("--title")
    q = sub.add_parser("plot", help="one figure as PNG, SVG or PDF (by the file name's suffix)")
    q.add_argument("kind", choices=plots.KINDS)
    q.add_argument("file", metavar="OUT.h5")
    q.add_argument("-o", "--output", metavar="FIG.png", required=True)
    q.add_argument("--output-name", dest="name", default=None,
                   help="loss, exceedance: the /scenarios output (default total_output_loss)")
    q.add_argument("--column", help="loss, exceedance: the column of a 2-D output (e.g. CN)")
    q.add_argument("--by", choices=("region", "segment"), help="recovery: group nodes by")
    q.add_argument("--target", help="sensitivity: one target (default: the first four)")
    q.add_argument("--top", type=int, help="sensitivity, chokepoints: rows shown")
    q.add_argument("--dpi", type=int, default=110)
    s = sub.add_parser("summary", help="print the headline statistics")
    s.add_argument("file", metavar="OUT.h5")
    return p


def _plot(args):
    kw = {}
    if args.kind in ("loss", "exceedance"):
        if args.name:
            kw["output"] = args.name
        if args.column:
            kw["column"] = args.column
    if args.kind == "recovery" and args.by:
        kw["by"] = args.by
    if args.kind == "sensitivity" and args.target:
        kw["target"] = args.target
    if args.kind in ("sensitivity", "chokepoints") and args.top:
        kw["top"] = args.top
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".png", ".svg", ".pdf"):
        raise FormatError(f"{args.output}: the figure's name must end in .png, .svg or .pdf")
    with open_results(args.file) as res:
        fig = plots.plot(res, args.kind, **kw)
        tmp = args.output + ".partial" + ext
        try:
            fig.savefig(tmp, dpi=args.dpi)
            os.replace(tmp, args.output)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _summary(args):
    with open_results(args.file) as res:
        print(f"{args.file}: {res.command}, model {res.model}, "
              f"{res.provenance.get('scenarios', '?')} scenarios")
        for row in report._headline(res):
            name, unit, mean, sd, v95, c95, v99, c99, mx = row
            print(f"  {name:32s} mean {mean:12.6g}  sd {sd:12.6g}  VaR95 {v95:12.6g}  "
                  f"CVaR95 {c95:12.6g}  max {mx:12.6g}  [{unit}]")


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "report":
            out = args.output or os.path.splitext(args.file)[0] + ".html"
            with open_results(args.file) as res:
                report.write(res, out, args.title)
            print(f"icstress: report written to {out}")
        elif args.cmd == "plot":
            _plot(args)
            print(f"icstress: {args.kind} figure written to {args.output}")
        else:
            _summary(args)
    except (FormatError, FileNotFoundError, KeyError) as e:
        print(f"icstress: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"icstress: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
