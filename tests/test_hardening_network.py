"""Hardening: the kiosk needs no network. With every internet socket refused (creation, connect,
name lookup), the main flows still work: app start, badge login and save (Pilot), `kiosk
suggest` with the real default model in this process, and an export and import of a batch."""

from __future__ import annotations

import json
import socket

import pytest

from kiosk.cli import main
from kiosk.paths import models_dir
from kiosk.store import Store
from kiosk.ui.screens.saved import SavedScreen
from tests.ui_helpers import make_test_app


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Internet sockets cannot be made or used; local (AF_UNIX) ones, which asyncio needs for its
    own wake-up pipe, still can. Every attempt is recorded and fails the test."""
    attempts: list[str] = []
    real_socket = socket.socket

    class GuardedSocket(real_socket):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if fileno is None and family in (-1, socket.AF_INET, socket.AF_INET6):
                attempts.append(f"socket({family})")
                raise NetworkUsed("network socket created")
            super().__init__(family, type, proto, fileno)

    def refuse(name):
        def refused(*args, **kwargs):
            attempts.append(name)
            raise NetworkUsed(f"{name} called")
        return refused

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    for name in ("create_connection", "getaddrinfo", "gethostbyname", "create_server"):
        monkeypatch.setattr(socket, name, refuse(name))
    yield attempts
    assert attempts == []


def test_the_guard_really_blocks(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.com", 80))
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    no_network.clear()


async def test_start_login_and_save_without_network(tmp_path, no_network):
    app, store, _ = make_test_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"BADGE-0042", "enter")
        await pilot.pause()
        app.screen.query_one("#what_happened").load_text("Saved with the network cable out")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SavedScreen)
    assert [e.what_happened for e in store.entries()] == ["Saved with the network cable out"]


@pytest.mark.skipif(not (models_dir() / "SmolLM2-135M-Instruct.Q4_1.gguf").exists(),
                    reason="the default model is not installed")
@pytest.mark.model
def test_suggest_with_the_real_model_without_network(tmp_path, no_network, capsys, monkeypatch):
    # A busy machine may need longer than the coach's 20 s to load and answer: this test is about
    # the network, so it gives the model all the time it needs (the time limit has its own tests).
    import kiosk.cli.common as common

    real_load = common.load_config
    monkeypatch.setattr(common, "load_config",
                        lambda *a, **k: real_load(*a, **k).with_changes(time_limit=600.0))
    code = main(["--data-dir", str(tmp_path / "data"), "suggest",
                 "The glue pump on line 2 leaks after every restart of the press", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    result = json.loads(out)
    assert result["coach"]["state"] == "ready", result["coach"]  # the real model ran here
    assert "smollm2" in json.dumps(result["questions"] + [result["idea"], result["title"]]) or \
        result.get("rejected")  # it answered (its lines kept, or replaced by the gate)


def test_export_and_import_a_batch_without_network(tmp_path, no_network, monkeypatch, capsys,
                                                   make_entry):
    kiosk_dir, station_dir = tmp_path / "kiosk", tmp_path / "station"
    with Store(kiosk_dir) as kiosk:
        kiosk.save(make_entry(title="Sent without network"))
    frames = tmp_path / "frames.txt"
    assert main(["--data-dir", str(kiosk_dir), "export", "--file", str(frames)]) == 0
    monkeypatch.setenv("KIOSK_MODE", "supervisor")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(station_dir))
    assert main(["--data-dir", str(station_dir), "import", "--file", str(frames)]) == 0
    capsys.readouterr()
    with Store(station_dir, readonly=True) as station:
        assert [e.title for e in station.entries()] == ["Sent without network"]
