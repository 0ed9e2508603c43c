"""Benchmark certificate PDFs: time and size for Latin, Korean and Chinese names.

    .venv/bin/python bench/certificates.py [--count 40]

Renders ``count`` certificates per script after one warm-up PDF (the first PDF of a process
parses fonts and styles: its time is shown apart), each with a fresh random code, and prints
the median, 95th percentile and mean wall-clock time, the median CPU time of the process (less
disturbed by other programs on a busy machine) and the largest size. No database is used.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402 - after making the checkout importable
from lms.certificates.codes import new_code  # noqa: E402
from lms.certificates.pdf import CertificateContent, Signature, render_pdf  # noqa: E402

CASES = {
    "Latin": (
        "en",
        "Maria Fernanda González Rodríguez",
        "Identifying presumed victims: indicators and screening",
    ),
    "Korean": ("ko", "김민지", "피해자 추정 식별: 지표와 선별"),
    "Chinese": ("zh", "王秀英", "识别推定受害者：指标与筛查"),
    "Latin, 200 chars": (
        "en",
        ("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Maximilian Alexander " * 4)[:200],
        "Supporting North Korean arrivals: migration, resettlement, exploitation en route",
    ),
}
SIGNATURE = Signature("Passage Training Programme", "Dr. Lee Ji-eun", "Director of Training")


def content(language: str, name: str, title: str) -> CertificateContent:
    code = new_code()
    return CertificateContent(
        holder_name=name,
        module_title=title,
        module_version=3,
        duration_minutes=90,
        completed_at=datetime(2025, 3, 4, tzinfo=UTC),
        expires_at=datetime(2027, 3, 4, tzinfo=UTC),
        organisation="Hana Centre Busan",
        code=code,
        verify_url=f"https://passage.example.org/verify/{code}",
        language=language,
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="PDFs per script (default 40)")
    args = parser.parse_args()
    app = create_app(
        {"ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": "sqlite://"}, serving=False
    )
    with app.app_context():
        started = time.perf_counter()
        render_pdf(content(*CASES["Korean"]), SIGNATURE)
        first = time.perf_counter() - started
        print(f"{platform.node()}: Python {platform.python_version()}, {args.count} PDFs each")
        print(f"first PDF of the process (fonts and styles parsed): {first * 1000:.0f} ms\n")
        print(f"{'names':<18} {'median':>8} {'p95':>8} {'mean':>8} {'CPU':>8} {'max size':>10}")
        for label, (language, name, title) in CASES.items():
            times: list[float] = []
            cpu: list[float] = []
            sizes: list[int] = []
            for _ in range(args.count):
                started, started_cpu = time.perf_counter(), time.process_time()
                pdf = render_pdf(content(language, name, title), SIGNATURE)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                sizes.append(len(pdf))
            print(
                f"{label:<18} {statistics.median(times) * 1000:>6.0f} ms"
                f" {percentile(times, 0.95) * 1000:>5.0f} ms"
                f" {statistics.fmean(times) * 1000:>5.0f} ms"
                f" {statistics.median(cpu) * 1000:>5.0f} ms"
                f" {max(sizes) / 1024:>7.1f} KB"
            )


if __name__ == "__main__":
    main()
