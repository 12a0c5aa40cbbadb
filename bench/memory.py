"""Resident memory of the running kiosk with 10,000 entries in its store, read from
/proc/<pid>/status (VmRSS now, VmHWM peak; RssAnon = heap, RssFile = mapped files such as the
model and the libraries).

Three runs, each a separate process on the same data folder:
  1. `kiosk run`, the real command as systemd starts it on tty1: on a pseudo-terminal, TERM=linux,
     100x37 cells. Reported: whether `kiosk run` loaded the model (llama.cpp mapped in).
  2. the app headless (Textual run_test) with the coach loaded (`Coach(config)`, the default
     model) and one suggestion generated, so the model's compute buffers are counted too;
  3. the same headless app without a coach, for the share of the model.

Usage: .venv/bin/python bench/memory.py [--entries 10000] [--settle 6]
Target (DESIGN.md): resident memory with the default model under 300 MB.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from kiosk.config import DEMO_ADMIN_PIN_HASH, DEMO_SUPERVISOR_PIN_HASH, load_config

COLS, ROWS = 100, 37

HEADLESS = r'''
import asyncio, json, sys, time
from pathlib import Path
from kiosk.config import load_config
from kiosk.store import Store
from kiosk.ui.app import make_app

config = load_config(sys.argv[1])
with_coach = sys.argv[2] == "coach"

def status():
    text = Path("/proc/self/status").read_text()
    return {k.rstrip(":"): int(v) // 1024 for k, v in
            (line.split()[:2] for line in text.splitlines()
             if line.split(":")[0] in ("VmRSS", "VmHWM", "RssAnon", "RssFile"))}

async def main():
    coach = None
    if with_coach:
        from kiosk.coach.suggest import Coach
        coach = Coach(config)
    store = Store(config.data_dir)
    app = make_app(config, store, coach=coach)
    out = {}
    opened = time.monotonic()
    async with app.run_test(size=(%d, %d)) as pilot:
        await pilot.pause(0.5)
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause(0.5)
        await pilot.press("f3")  # the station feed reads the store
        await pilot.pause(0.5)
        if coach is not None:
            while coach.state == "loading" and time.monotonic() - opened < 120:
                await pilot.pause(0.1)
            out["coach"] = coach.state
            out["load_s"] = round(time.monotonic() - opened, 2)
            result = await asyncio.to_thread(
                coach.suggest, "The glue dripped on the housing after the nozzle change.", "en")
            out["suggestion_sources"] = sorted({s.source for s in result.questions})
        out.update(status())
    store.close()
    if coach is not None:
        coach.close()
    print(json.dumps(out))

asyncio.run(main())
'''.replace("%d, %d", f"{COLS}, {ROWS}")


def proc_status(pid: int) -> dict[str, int]:
    text = Path(f"/proc/{pid}/status").read_text()
    values = {}
    for key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        if match:
            values[key] = int(match.group(1)) // 1024
    return values


def model_mapped(pid: int) -> bool:
    """Whether the process loaded the model: the engine reads the file without mmap (so it is not
    in the maps), but it loads llama.cpp's library only after the file passed its checks."""
    try:
        return "libllama" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def write_config(folder: Path) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(f'''[kiosk]
id = "bench-kiosk"
data_dir = "{folder / 'data'}"
[security]
admin_pin_hash = "{DEMO_ADMIN_PIN_HASH}"
supervisor_pin_hash = "{DEMO_SUPERVISOR_PIN_HASH}"
site_key = "bench-site-key-not-secret"
[ui]
animations = false
''')
    return path


def fill(config_path: Path, count: int) -> float:
    from kiosk.demo import fill_demo_data
    from kiosk.store import Store

    config = load_config(config_path, env={})
    started = time.perf_counter()
    with Store(config.data_dir) as store:
        fill_demo_data(store, config, count=count, seed=1)
        assert store.count() >= count
    return time.perf_counter() - started


def run_on_pty(config_path: Path, settle: float) -> dict:
    """`kiosk run` on a pseudo-terminal; memory once its screen is up and it has settled."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(TERM="linux", KIOSK_CONFIG=str(config_path))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run"], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True, close_fds=True)
    os.close(slave)
    screen = bytearray()
    first_paint: list[float] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)
            if not first_paint and len(screen) > 2000:
                first_paint.append(time.monotonic() - started)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not first_paint and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    # Log in with a badge and open the station feed (F3 as the Linux console sends it), so the
    # store's weekly files are read as in use.
    for keys in (b"BADGE-0042\r", b"\x1b[[C"):
        os.write(master, keys)
        time.sleep(1.0)
    time.sleep(settle)  # background model load, first idle tick
    out = {"alive": proc.poll() is None, "first_paint_s": round(first_paint[0], 2)
           if first_paint else None}
    if proc.poll() is None:
        out.update(proc_status(proc.pid))
        out["model_mapped"] = model_mapped(proc.pid)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    else:
        out["exit"] = proc.returncode
        out["output_tail"] = screen[-400:].decode(errors="replace")
    os.close(master)
    return out


def run_headless(config_path: Path, with_coach: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    result = subprocess.run([sys.executable, "-c", HEADLESS, str(config_path),
                             "coach" if with_coach else "none"],
                            capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def line(label: str, values: dict) -> str:
    if "VmRSS" not in values:
        return f"  {label:<44} failed: {values}"
    return (f"  {label:<44} RSS {values['VmRSS']:4d} MB  peak {values['VmHWM']:4d} MB  "
            f"(heap {values.get('RssAnon', 0)} MB, files {values.get('RssFile', 0)} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--settle", type=float, default=6.0,
                        help="seconds to wait after the first screen of `kiosk run`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-memory-") as tmp:
        config_path = write_config(Path(tmp))
        fill_s = fill(config_path, args.entries)
        print(f"memory of the running kiosk, {args.entries} demo entries (filled in "
              f"{fill_s:.1f} s), {COLS}x{ROWS} cells, target < 300 MB with the default model")
        pty_run = run_on_pty(config_path, args.settle)
        label = "kiosk run (pty, TERM=linux)"
        if pty_run.get("alive"):
            label += ", model " + ("loaded" if pty_run.get("model_mapped") else "NOT loaded")
            print(line(label, pty_run) + f"  first screen {pty_run['first_paint_s']} s")
        else:
            print(f"  {label}: exited {pty_run.get('exit')}: {pty_run.get('output_tail')!r}")
        with_coach = run_headless(config_path, with_coach=True)
        label = (f"headless app + coach ({with_coach.get('coach', '?')} after "
                 f"{with_coach.get('load_s', '?')} s, 1 suggestion)")
        print(line(label, with_coach))
        without = run_headless(config_path, with_coach=False)
        print(line("headless app, no coach", without))
        if "VmRSS" in with_coach and "VmRSS" in without:
            print(f"  model share: {with_coach['VmRSS'] - without['VmRSS']} MB resident; "
                  f"{'within' if with_coach['VmHWM'] < 300 else 'OVER'} the 300 MB target "
                  f"(peak {with_coach['VmHWM']} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
