"""Storage as seen from outside: dataset files and stats, encryption at rest (start-up with the
right, wrong or missing master key; key rotation), and data surviving restarts."""

import os

import pytest

from conftest import Server, run_stratad

CPU = {
    "id": "cpu", "time_field": "time", "partition_by": "day",
    "fields": [{"name": "time", "type": "timestamp"},
               {"name": "hostname", "type": "string"},
               {"name": "usage_user", "type": "float64", "nullable": True}],
}

def write_key(path, byte):
    with open(path, "w") as f:
        f.write(byte * 64 + "\n")
    return path


@pytest.fixture
def keys(tmp_path):
    return (write_key(str(tmp_path / "master.key"), "a"),
            write_key(str(tmp_path / "other.key"), "b"))


def test_encrypted_dataset_gets_a_wrapped_data_key(keys):
    # That no row of an encrypted dataset is readable in any file is checked at the engine
    # (tests/unit/storage/storage_encryption_test.cc); here, the wiring through the config.
    master, _ = keys
    srv = Server(settings={"storage.encryption.master_key_file": master}, name="encrypted")
    try:
        srv.start()
        api = srv.api()
        # The dataset's description is metadata (meta.db); its rows are what is encrypted.
        resp = api.post("/v1/datasets", CPU)
        assert resp.status_code == 201, resp.text
        ds_dir = os.path.join(srv.data_dir, "datasets", "cpu")
        assert os.path.exists(os.path.join(ds_dir, "DATAKEY"))
        assert os.path.exists(os.path.join(srv.data_dir, "KEYCHECK"))
        with open(os.path.join(ds_dir, "MANIFEST"), "rb") as f:
            assert f.read(8) == b"STRMAN01"
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_wrong_master_key_fails_start_clearly(keys):
    master, other = keys
    first = Server(settings={"storage.encryption.master_key_file": master}, name="key-a")
    try:
        first.start()
        assert first.api().post("/v1/datasets", CPU).status_code == 201
        first.stop_and_check()
        wrong = Server(data_dir=first.data_dir, name="key-b",
                       settings={"storage.encryption.master_key_file": other})
        wrong.start(wait=False)
        assert wrong.wait_exit() == 1
        assert "master key" in wrong.stderr_text()
        missing = Server(data_dir=first.data_dir, name="key-missing",
                         settings={"storage.encryption.master_key_file": "/nonexistent/key"})
        missing.start(wait=False)
        assert missing.wait_exit() == 1
        assert "/nonexistent/key" in missing.stderr_text()
    finally:
        first.cleanup()


def test_rotate_master_key_then_start_with_the_new_key(keys):
    master, other = keys
    srv = Server(settings={"storage.encryption.master_key_file": master}, name="rotate")
    try:
        srv.start()
        assert srv.api().post("/v1/datasets", CPU).status_code == 201
        srv.stop_and_check()
        result = run_stratad(["--data-dir", srv.data_dir,
                              "--set", f"storage.encryption.master_key_file={master}",
                              "rotate-master-key", "--new-key-file", other])
        assert result.returncode == 0, result.stderr
        assert other in result.stdout
        rotated = Server(data_dir=srv.data_dir, name="rotated",
                         settings={"storage.encryption.master_key_file": other})
        rotated.start()
        assert rotated.api().get("/v1/datasets/cpu").json()["stats"]["rows"] == 0
        rotated.stop_and_check()
        old = Server(data_dir=srv.data_dir, name="old-key",
                     settings={"storage.encryption.master_key_file": master})
        old.start(wait=False)
        assert old.wait_exit() == 1
    finally:
        srv.cleanup()


def test_rotate_without_a_current_key_is_refused(tmp_path):
    result = run_stratad(["--data-dir", str(tmp_path / "data"), "rotate-master-key",
                          "--new-key-file", str(tmp_path / "x")])
    assert result.returncode == 1
    assert "master_key_file" in result.stderr


def test_invalid_storage_options_exit_2(tmp_path):
    for setting in ["storage.durability=sometimes", "storage.compression=gzip",
                    "storage.wal_recovery=maybe", "storage.memtable_flush_bytes=1"]:
        result = run_stratad(["--data-dir", str(tmp_path / "data"), "--set", setting])
        assert result.returncode == 2, setting
        assert setting.split("=")[0] in result.stderr


def test_dataset_storage_survives_restart():
    srv = Server(name="restart")
    try:
        srv.start()
        api = srv.api()
        assert api.post("/v1/datasets", CPU).status_code == 201
        stats = api.get("/v1/datasets/cpu").json()["stats"]
        srv.stop_and_check()
        srv.start()
        assert srv.api().get("/v1/datasets/cpu").json()["stats"]["last_seq"] == stats["last_seq"]
        srv.stop_and_check()
    finally:
        srv.cleanup()


def test_a_damaged_dataset_is_isolated_and_reported():
    srv = Server(name="damaged")
    try:
        srv.start()
        api = srv.api()
        assert api.post("/v1/datasets", CPU).status_code == 201
        assert api.post("/v1/datasets", {**CPU, "id": "healthy"}).status_code == 201
        srv.stop_and_check()
        manifest = os.path.join(srv.data_dir, "datasets", "cpu", "MANIFEST")
        with open(manifest, "r+b") as f:
            f.seek(12)
            byte = f.read(1)
            f.seek(12)
            f.write(bytes([byte[0] ^ 0xFF]))
        srv.start()  # The node serves; only the damaged dataset is unavailable.
        api = srv.api()
        assert api.get("/v1/datasets/cpu").json()["stats"] is None
        assert api.get("/v1/datasets/healthy").json()["stats"]["rows"] == 0
        srv.stop_and_check()
        log = srv.stderr_text()
        assert "dataset cannot be opened" in log and "MANIFEST" in log
    finally:
        srv.cleanup()
