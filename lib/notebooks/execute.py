# Executes one notebook cell by cell with Jupyter's nbclient and writes the
# executed notebook, also when a cell times out or the run is stopped, so
# that the cells run so far keep their outputs. Progress goes to stdout as
# one JSON object per line. Run by physnb's lib/notebooks:
#
#   python3 execute.py SRC.ipynb DST.ipynb KERNEL TIMEOUT_SECONDS MODE
import json
import os
import re
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

src, dst, kernel, timeout, mode = sys.argv[1:6]
nb = nbformat.read(src, as_version=4)
code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

# The run's mode wins over the notebook's own switch (PHYSNB_QUICK in the
# kernel's environment); the executed copy says the mode it ran in, so that a
# page of the gallery does not show "%env PHYSNB_MODE=quick" above a full run.
MODE_LINE = re.compile(r"^(%env\s+PHYSNB_MODE\s*=\s*)\S*", re.MULTILINE)
if mode in ("quick", "full"):
    for i in code:
        nb.cells[i].source = MODE_LINE.sub(lambda m: m.group(1) + mode, nb.cells[i].source)
client = NotebookClient(nb, kernel_name=kernel, timeout=int(timeout), allow_errors=True,
                        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})


# Terminal escapes (a compiler's colours, a progress bar's cursor moves) mean
# nothing on a page: the executed notebook keeps the plain text.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(nb):
    for c in nb.cells:
        for o in c.get("outputs", []):
            if "text" in o:
                o["text"] = ANSI.sub("", o["text"])
            for k in ("ename", "evalue"):
                if k in o:
                    o[k] = ANSI.sub("", o[k])
            if "traceback" in o:
                o["traceback"] = [ANSI.sub("", t) for t in o["traceback"]]
            for k, v in o.get("data", {}).items():
                if k.startswith("text/") and isinstance(v, str):
                    o["data"][k] = ANSI.sub("", v)


def emit(**kw):
    print(json.dumps(kw), flush=True)


def stop(signum, frame):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, stop)
status = "ok"
try:
    with client.setup_kernel():
        for j, i in enumerate(code):
            cell = nb.cells[i]
            emit(event="start", cell=i + 1, index=j + 1, total=len(code))
            t0 = time.time()
            try:
                client.execute_cell(cell, i)
            except CellTimeoutError:
                status = "timeout"
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="CellTimeoutError",
                    evalue="the cell ran past the time limit of %s s; the cells before it kept their results" % timeout,
                    traceback=[]))
            cell.metadata["physnb"] = {"seconds": round(time.time() - t0, 3)}
            emit(event="end", cell=i + 1, index=j + 1, total=len(code), seconds=time.time() - t0)
            if status != "ok":
                break
except DeadKernelError as e:
    status = "dead kernel: %s" % e
except KeyboardInterrupt:
    status = "stopped"
finally:
    errors = any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    nb.metadata["physnb"] = {"mode": mode, "kernel": kernel, "status": status, "errors": errors}
    strip_ansi(nb)
    nbformat.write(nb, dst)
    emit(event="done", status=status)
sys.exit(0 if status == "ok" else 3)
