"""`course-tutor demo-canvas`: serve the demo Canvas on 127.0.0.1."""

from __future__ import annotations

import argparse
import sys


def serve_canvas(args: argparse.Namespace) -> int:
    import uvicorn

    from course_tutor.demo.canvas import canvas_app
    from course_tutor.demo.faults import parse_fault

    try:
        faults = [parse_fault(spec) for spec in args.fault]
    except ValueError as error:
        print(f"course-tutor demo-canvas: {error}", file=sys.stderr)
        return 2
    app = canvas_app(
        latency_ms=args.latency_ms, throttle=args.throttle or None, faults=faults
    )
    print(
        f"Demo Canvas at http://127.0.0.1:{args.port} (token: demo). "
        "Press Ctrl+C to stop.",
        flush=True,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


def serve_model(args: argparse.Namespace) -> int:
    import uvicorn

    from course_tutor.demo.scripted import scripted_model_app

    app = scripted_model_app(pace_ms=args.pace_ms)
    print(
        f"Scripted model at http://127.0.0.1:{args.port}/v1 "
        "(model: course-tutor-scripted, any API key). Press Ctrl+C to stop.",
        flush=True,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0
