"""Tests for course.data: bundled loaders, synthetic generators and the downloader.

The downloader is tested against a real HTTP server on 127.0.0.1 started here; an
autouse fixture makes any other host unreachable, so nothing touches the network.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import re
import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course import data

# ---------------------------------------------------------------------------
# Guard: loopback only, no proxies
# ---------------------------------------------------------------------------

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Make every host but 127.0.0.1/localhost unresolvable, and drop proxy settings."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1", b"localhost"):
            raise AssertionError(f"test tried to reach the network: {host!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


# ---------------------------------------------------------------------------
# Bundled datasets
# ---------------------------------------------------------------------------


def test_load_iris_shapes_and_labels():
    ds = data.load_iris()
    assert ds.X.shape == (150, 4) and ds.X.dtype == np.float64
    assert ds.y.shape == (150,) and np.issubdtype(ds.y.dtype, np.integer)
    assert np.bincount(ds.y).tolist() == [50, 50, 50]
    assert ds.target_names == ["setosa", "versicolor", "virginica"]
    assert len(ds.feature_names) == 4 and all(isinstance(n, str) for n in ds.feature_names)
    assert "(150, 4)" in ds.description
    # setosa has the shortest petals: the perceptron exercise relies on it
    assert ds.X[ds.y == 0, 2].max() < ds.X[ds.y == 2, 2].min()


def test_dataset_is_frozen_and_has_a_short_repr():
    ds = data.load_iris()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.X = np.zeros(1)  # type: ignore[misc]
    assert "(150, 4)" in repr(ds) and len(repr(ds)) < 200


def test_load_digits_and_images_agree():
    ds = data.load_digits()
    assert ds.X.shape == (1797, 64) and ds.X.dtype == np.float64
    assert ds.X.min() == 0 and ds.X.max() == 16
    assert ds.y.shape == (1797,) and set(np.unique(ds.y)) == set(range(10))
    assert ds.target_names == [str(k) for k in range(10)]
    images, labels = data.digit_images()
    assert images.shape == (1797, 8, 8) and np.issubdtype(images.dtype, np.floating)
    np.testing.assert_array_equal(images.reshape(1797, 64), ds.X)
    np.testing.assert_array_equal(labels, ds.y)


# ---------------------------------------------------------------------------
# sky_catalog
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sky() -> pd.DataFrame:
    return data.sky_catalog(100_000, seed=3)


def test_sky_catalog_columns_and_dtypes(sky):
    assert list(sky.columns) == list(data.SKY_COLUMNS)
    assert sky["obj_id"].dtype == np.int64
    np.testing.assert_array_equal(sky["obj_id"].to_numpy(), np.arange(len(sky)))
    for name in ("ra", "dec", "u", "g", "r", "i", "z", "redshift"):
        assert sky[name].dtype == np.float64, name
    assert pd.api.types.is_string_dtype(sky["cls"])
    assert set(sky["cls"].unique()) == set(data.SKY_CLASSES)
    assert not sky.isna().any().any()
    assert sky["ra"].is_unique  # no block of rows repeats another


def test_sky_positions_are_uniform_on_the_sphere(sky):
    assert sky["ra"].between(0, 360, inclusive="left").all()
    assert sky["dec"].between(-90, 90).all()
    # on a sphere half the area lies within |dec| < 30 deg (uniform in dec would give 1/3)
    assert abs((sky["dec"].abs() < 30).mean() - 0.5) < 0.01
    assert abs(sky["ra"].mean() - 180) < 3


def test_sky_class_shares(sky):
    shares = sky["cls"].value_counts(normalize=True)
    assert abs(shares["STAR"] - 0.45) < 0.01
    assert abs(shares["GALAXY"] - 0.45) < 0.01
    assert abs(shares["QSO"] - 0.10) < 0.01


def test_sky_magnitudes_and_colours_are_plausible(sky):
    mags = sky[["u", "g", "r", "i", "z"]]
    assert mags.to_numpy().min() > 10 and mags.to_numpy().max() < 30
    assert sky["r"].between(13, 24).all()
    assert (sky["redshift"] >= 0).all()
    by = {c: sky[sky["cls"] == c] for c in data.SKY_CLASSES}
    med = {c: (d["u"] - d["g"]).median() for c, d in by.items()}
    assert med["QSO"] < med["STAR"] - 0.5  # quasars' UV excess
    assert (by["GALAXY"]["g"] - by["GALAXY"]["r"]).median() > (
        by["QSO"]["g"] - by["QSO"]["r"]
    ).median()
    assert by["STAR"]["redshift"].max() < 0.01
    assert 0.03 < by["GALAXY"]["redshift"].median() < 0.3
    assert by["QSO"]["redshift"].median() > 1.0


def test_sky_catalog_is_deterministic_and_seeded():
    a = data.sky_catalog(5000, seed=1)
    pd.testing.assert_frame_equal(a, data.sky_catalog(5000, seed=1))
    b = data.sky_catalog(5000, seed=2)
    assert not np.allclose(a["ra"].to_numpy(), b["ra"].to_numpy())


def test_sky_catalog_longer_starts_with_shorter():
    short = data.sky_catalog(100, seed=5)
    long = data.sky_catalog(20_000, seed=5)
    pd.testing.assert_frame_equal(short, long.iloc[:100])


@pytest.mark.parametrize("chunk_size", [7, 1000, 4096, 8191, 8192, 8193, 25_000, 30_000])
def test_sky_chunked_equals_unchunked(chunk_size):
    n = 3 * data.SKY_BLOCK_ROWS + 17  # crosses block boundaries, ragged end
    whole = data.sky_catalog(n, seed=11)
    chunks = data.sky_catalog(n, seed=11, chunk_size=chunk_size)
    assert not isinstance(chunks, pd.DataFrame)
    chunks = list(chunks)
    sizes = [len(c) for c in chunks]
    assert sum(sizes) == n
    assert all(s == chunk_size for s in sizes[:-1]) and 0 < sizes[-1] <= chunk_size
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)


def test_sky_chunk_size_one_on_a_few_rows():
    chunks = list(data.sky_catalog(40, seed=2, chunk_size=1))
    assert len(chunks) == 40
    pd.testing.assert_frame_equal(pd.concat(chunks), data.sky_catalog(40, seed=2))


def test_sky_chunked_is_lazy():
    # a trillion rows: only the first block may be made when one chunk is taken
    first = next(iter(data.sky_catalog(10**12, chunk_size=10)))
    assert first["obj_id"].tolist() == list(range(10))
    pd.testing.assert_frame_equal(first, data.sky_catalog(10))


def test_sky_catalog_empty_and_invalid():
    empty = data.sky_catalog(0)
    assert len(empty) == 0 and list(empty.columns) == list(data.SKY_COLUMNS)
    assert list(data.sky_catalog(0, chunk_size=5)) == []
    with pytest.raises(ValueError):
        data.sky_catalog(-1)
    with pytest.raises(ValueError):
        data.sky_catalog(10, chunk_size=0)


# ---------------------------------------------------------------------------
# observing_log
# ---------------------------------------------------------------------------

LOG_LINE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d) target=(\S+) filter=([ugriz]) exp=(\d+) "
    r"seeing=(\d+\.\d) status=(ok|cloudy|poor_seeing|aborted)"
)


def test_observing_log_format_parses():
    lines = data.observing_log(20_000, seed=0)
    assert len(lines) == 20_000 and all(isinstance(x, str) for x in lines)
    parsed = [LOG_LINE.fullmatch(line) for line in lines]
    bad = [line for line, m in zip(lines, parsed) if m is None]
    assert not bad, bad[:3]
    assert all(data.OBSERVING_LOG_PATTERN.match(line) for line in lines)
    # time runs forward, and only at night (20:00-05:30)
    stamps = [line.split()[0] for line in lines]
    assert stamps == sorted(stamps)
    hours = np.array([int(m.group(4)) for m in parsed])
    assert np.all((hours >= 20) | (hours <= 5))
    statuses = Counter(m.group(10) for m in parsed)
    assert set(statuses) == {"ok", "cloudy", "poor_seeing", "aborted"}
    assert statuses["ok"] > 0.6 * len(lines)
    for m in parsed:
        if m.group(10) == "poor_seeing":
            assert float(m.group(9)) > 2.0


def test_observing_log_targets_have_a_long_tail():
    lines = data.observing_log(50_000, seed=1)
    counts = Counter(LOG_LINE.fullmatch(line).group(6) for line in lines)
    ranked = [c for _, c in counts.most_common()]
    assert len(ranked) >= 80
    assert ranked[0] / len(lines) > 0.1  # a few very popular targets...
    assert ranked[0] > 3 * ranked[9]
    assert sum(c < 0.005 * len(lines) for c in ranked) >= 50  # ...and a long tail


def test_observing_log_is_deterministic():
    assert data.observing_log(500, seed=4) == data.observing_log(500, seed=4)
    assert data.observing_log(500, seed=4) != data.observing_log(500, seed=5)
    assert data.observing_log(0) == []


# ---------------------------------------------------------------------------
# Images and light curves
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [32, 64, 65])
def test_galaxy_image_shape_range_determinism(size):
    img = data.galaxy_image(size, seed=0)
    assert img.shape == (size, size) and img.dtype == np.float32
    assert img.min() == 0.0 and img.max() == 1.0
    np.testing.assert_array_equal(img, data.galaxy_image(size, seed=0))
    assert not np.allclose(img, data.galaxy_image(size, seed=1))


def test_galaxy_sits_in_the_middle():
    for seed in range(5):
        img = data.galaxy_image(64, seed=seed)
        centre = np.median(img[28:36, 28:36])
        border = np.median(np.concatenate([img[:6].ravel(), img[-6:].ravel()]))
        assert centre > border + 0.1, seed


def test_galaxy_images_labelled_set():
    images, labels = data.galaxy_images(40, 24, seed=0)
    assert images.shape == (40, 24, 24) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert np.bincount(labels).tolist() == [20, 20]
    again, labels2 = data.galaxy_images(40, 24, seed=0)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, labels2)
    assert not np.allclose(images, data.galaxy_images(40, 24, seed=1)[0])


@pytest.mark.parametrize(
    "bands,shape", [(1, (48, 48)), (3, (48, 48, 3)), (4, (48, 48, 4)), (6, (48, 48, 6))]
)
def test_satellite_patch_shapes(bands, shape):
    img = data.satellite_patch(48, bands=bands, seed=2)
    assert img.shape == shape and img.dtype == np.float32
    assert img.min() >= 0 and img.max() <= 1 and img.std() > 0.01
    np.testing.assert_array_equal(img, data.satellite_patch(48, bands=bands, seed=2))
    assert not np.allclose(img, data.satellite_patch(48, bands=bands, seed=3))


def test_satellite_scene_mask_matches_the_physics():
    img, mask = data.satellite_scene(96, bands=4, seed=0)
    np.testing.assert_array_equal(img, data.satellite_patch(96, bands=4, seed=0))
    assert mask.shape == (96, 96) and set(np.unique(mask)) <= {0, 1, 2, 3}
    seen = Counter()
    for seed in range(6):
        img, mask = data.satellite_scene(96, bands=4, seed=seed)
        seen.update(np.unique(mask).tolist())
        brightness = img[..., :3].mean(axis=-1)
        if (mask == 3).any():  # clouds are bright
            assert brightness[mask == 3].mean() > brightness[mask == 0].mean() + 0.3
        if (mask == 1).any():  # water is dark in the near-infrared, vegetation bright
            assert img[..., 3][mask == 1].mean() < img[..., 3][mask == 0].mean()
    assert set(seen) == {0, 1, 2, 3}


def test_satellite_invalid_bands():
    with pytest.raises(ValueError):
        data.satellite_patch(32, bands=0)


def test_light_curves():
    flux, labels = data.light_curves(80, 100, seed=0)
    assert flux.shape == (80, 100) and flux.dtype == np.float32
    assert np.bincount(labels).tolist() == [20, 20, 20, 20]
    spread = flux.max(axis=1) - flux.min(axis=1)
    constant, transient = labels == 0, labels == 3
    assert spread[constant].max() < spread[transient].min()
    np.testing.assert_array_equal(flux, data.light_curves(80, 100, seed=0)[0])
    assert not np.allclose(flux, data.light_curves(80, 100, seed=1)[0])


# ---------------------------------------------------------------------------
# Downloader, against a real HTTP server on 127.0.0.1
# ---------------------------------------------------------------------------

PAYLOAD = bytes(range(256)) * 6000 + b"end"  # ~1.5 MB: several read chunks
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
WRONG_SHA = "0" * 64


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        srv = self.server
        with srv.lock:
            srv.requests.append((self.path, dict(self.headers)))
        route = self.path.split("?")[0]
        if route.startswith("/status/"):
            self.send_error(int(route.rsplit("/", 1)[1]))
        elif route in ("/good.bin", "/other/name.bin"):
            self._head(len(PAYLOAD))
            self.wfile.write(PAYLOAD)
        elif route == "/truncated.bin":
            self._head(len(PAYLOAD))
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.close_connection = True
        elif route == "/slow.bin":  # no answer at all for a while
            srv.release.wait(10)
        elif route == "/stall.bin":  # headers and some body, then silence
            self._head(len(PAYLOAD))
            self.wfile.write(PAYLOAD[:1000])
            self.wfile.flush()
            srv.release.wait(10)
        else:
            self.send_error(404)

    def _head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def log_message(self, *args):  # keep pytest's output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, path: str) -> int:
        with self.lock:
            return sum(p == path for p, _ in self.requests)

    def handle_error(self, request, client_address):  # a client that gave up: expected
        pass


@pytest.fixture
def server():
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join(5)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "course-data"
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    return folder


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cache_dir_env_and_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "a" / "b"))
    assert data.cache_dir() == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()
    monkeypatch.delenv("COURSE_DATA_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir() == tmp_path / "home" / ".cache" / "mlbigsci-course"
    assert data.cache_dir().is_dir()


def test_download_then_cached_without_a_request(server, cache):
    path = data.download(server.url + "/good.bin", PAYLOAD_SHA)
    assert path == cache / "good.bin"
    assert path.read_bytes() == PAYLOAD
    assert server.count("/good.bin") == 1
    again = data.download(server.url + "/good.bin", PAYLOAD_SHA.upper())
    assert again == path and server.count("/good.bin") == 1  # no second request
    assert _leftovers(cache) == ["good.bin"]


def test_download_filename_and_explicit_cache(server, tmp_path):
    folder = tmp_path / "elsewhere"
    path = data.download(
        server.url + "/other/name.bin", PAYLOAD_SHA, filename="mine.dat", cache=folder
    )
    assert path == folder / "mine.dat" and path.read_bytes() == PAYLOAD


def test_bad_checksum_raises_and_leaves_nothing(server, cache):
    url = server.url + "/good.bin"
    with pytest.raises(data.DownloadError) as err:
        data.download(url, WRONG_SHA)
    message = str(err.value)
    assert WRONG_SHA in message and PAYLOAD_SHA in message and url in message
    assert _leftovers(cache) == []


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors(server, cache, status):
    with pytest.raises(data.DownloadError, match=f"HTTP {status}"):
        data.download(f"{server.url}/status/{status}", PAYLOAD_SHA, filename="x.bin")
    assert _leftovers(cache) == []


def test_truncated_body(server, cache):
    expected = rf"got {len(PAYLOAD) // 2} of {len(PAYLOAD)} bytes"
    with pytest.raises(data.DownloadError, match=expected):
        data.download(server.url + "/truncated.bin", PAYLOAD_SHA)
    assert _leftovers(cache) == []


def test_stale_part_is_not_resumed(server, cache):
    cache.mkdir(parents=True)
    (cache / "good.bin.part").write_bytes(PAYLOAD[:5000])  # an earlier, interrupted run
    with pytest.warns(UserWarning, match="partial download"):
        path = data.download(server.url + "/good.bin", PAYLOAD_SHA)
    assert path.read_bytes() == PAYLOAD  # not PAYLOAD[:5000] + PAYLOAD
    assert _leftovers(cache) == ["good.bin"]
    _, headers = server.requests[-1]
    assert "Range" not in headers


def test_cached_file_with_wrong_hash_is_downloaded_again(server, cache):
    cache.mkdir(parents=True)
    (cache / "good.bin").write_bytes(b"corrupted")
    with pytest.warns(UserWarning, match="downloading .* again"):
        path = data.download(server.url + "/good.bin", PAYLOAD_SHA)
    assert path.read_bytes() == PAYLOAD and server.count("/good.bin") == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_says_offline_and_where_to_put_the_file(cache):
    url = f"http://127.0.0.1:{_closed_port()}/mnist.npz"
    with pytest.raises(data.DownloadError) as err:
        data.download(url, PAYLOAD_SHA)
    message = str(err.value)
    assert "offline" in message and str(cache / "mnist.npz") in message and url in message
    assert _leftovers(cache) == []


def test_dns_failure_says_offline(cache, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(data.DownloadError) as err:
        data.download("http://data.example.org/big.h5", PAYLOAD_SHA)
    assert "offline" in str(err.value) and str(cache / "big.h5") in str(err.value)


@pytest.mark.parametrize("route", ["/slow.bin", "/stall.bin"])
def test_timeouts(server, cache, route):
    with pytest.raises(data.DownloadError) as err:
        data.download(server.url + route, PAYLOAD_SHA, timeout=0.3)
    name = route.lstrip("/")
    assert "offline" in str(err.value) and str(cache / name) in str(err.value)
    assert _leftovers(cache) == []


def test_download_rejects_bad_arguments(cache):
    with pytest.raises(ValueError):
        data.download("http://127.0.0.1/x.bin", "not-a-hash")
    with pytest.raises(ValueError):
        data.download("ftp://127.0.0.1/x.bin", PAYLOAD_SHA)
    with pytest.raises(ValueError):
        data.download("http://127.0.0.1/", PAYLOAD_SHA)


def test_fetch_unknown_name_lists_the_names():
    with pytest.raises(KeyError) as err:
        data.fetch("no-such-dataset")
    assert "no-such-dataset" in str(err.value)
    for name in data.REMOTE:
        assert name in str(err.value)


def test_fetch_downloads_a_registered_file(server, cache, monkeypatch):
    entry = data.RemoteFile(url=server.url + "/good.bin", sha256=PAYLOAD_SHA, filename="tiny.bin")
    monkeypatch.setitem(data.REMOTE, "tiny", entry)
    path = data.fetch("tiny")
    assert path == cache / "tiny.bin" and path.read_bytes() == PAYLOAD


def test_registry_entries_are_well_formed():
    assert "mnist" in data.REMOTE
    for name, entry in data.REMOTE.items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), name
        assert entry.url.startswith("https://"), name
        assert entry.filename and "/" not in entry.filename, name
        assert entry.description and entry.provenance, name


@pytest.mark.parametrize("name", sorted(data.REMOTE))
def test_registry_matches_installed_source(name):
    """Each url and hash appears in the installed library it was copied from."""
    entry = data.REMOTE[name]
    package, _, rest = entry.provenance.partition("/")
    spec = importlib.util.find_spec(package)  # locates without importing
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    source = Path(list(spec.submodule_search_locations)[0], rest)
    text = source.read_text()
    assert entry.sha256 in text
    folder, _, base = entry.url.rpartition("/")
    assert entry.url in text or (folder + "/" in text and base in text)
