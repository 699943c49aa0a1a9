"""Aim a projectile with air drag: the gradient of a simulation loop, by srcdiff.

``landing_distance`` integrates the flight of a ball with quadratic air drag by explicit Euler
steps in a ``while`` loop that runs until the ball is back on the ground (a data-dependent number
of steps), then interpolates the landing point between the last two steps. srcdiff turns the
loop around: its generated backward pass runs the steps in reverse, popping from a tape the
values each step overwrote. Gradient descent on the launch angle then finds the angle at which
the ball lands on a target.

Run:  python examples/physics_loop.py
      python examples/physics_loop.py --target 25 --speed 25 --drag 0.03
"""
import argparse
import math
import time

import srcdiff

def landing_distance(angle, speed, drag, dt):
    """Where a ball launched at ``angle`` (radians) and ``speed`` (m/s) lands, in metres."""
    g = 9.81  # gravity, m/s^2
    x, y = 0.0, 0.0
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    x_prev, y_prev = x, y
    while y >= 0.0:
        x_prev, y_prev = x, y
        v = math.sqrt(vx * vx + vy * vy)
        x = x + dt * vx
        y = y + dt * vy
        vx = vx - dt * drag * v * vx  # drag opposes the velocity, proportional to speed squared
        vy = vy - dt * (g + drag * v * vy)
    # The ball crossed y = 0 during the last step: interpolate where.
    return x_prev + (x - x_prev) * y_prev / (y_prev - y)


def miss(angle, speed, drag, dt, target):
    """Half the squared distance between the landing point and the target."""
    return 0.5 * (landing_distance(angle, speed, drag, dt) - target) ** 2


def function_source(source, name):
    """The text of ``def name(...)`` in a generated module."""
    start = source.index("def %s(" % name)
    end = source.find("\ndef ", start)
    return source[start:] if end < 0 else source[start:end + 1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", type=float, default=40.0, help="target distance in metres (default 40)")
    parser.add_argument("--speed", type=float, default=30.0, help="launch speed in m/s (default 30)")
    parser.add_argument("--drag", type=float, default=0.02, help="drag coefficient per metre (default 0.02)")
    parser.add_argument("--angle", type=float, default=60.0, help="initial launch angle in degrees")
    parser.add_argument("--dt", type=float, default=0.005, help="time step in seconds")
    parser.add_argument("--lr", type=float, default=6e-4, help="gradient descent step size (default 6e-4)")
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--small", action="store_true", help="a quick run for tests: coarser time step")
    parser.add_argument("--no-source", action="store_true", help="do not print the generated reverse loop")
    args = parser.parse_args(argv)
    if args.small:
        args.dt = max(args.dt, 0.02)

    d_miss = srcdiff.value_and_grad(miss)  # d miss / d angle, through every step of the loop
    angle = math.radians(args.angle)
    report = srcdiff.check_grad(miss, angle, args.speed, args.drag, args.dt, args.target)
    print("ball at %g m/s, drag %g/m, time step %g s; target %g m" % (args.speed, args.drag, args.dt, args.target))
    print("srcdiff's derivative agrees with finite differences to %.1e\n" % report.max_rel_error)
    print("step   angle    lands at       miss   d miss/d angle")
    start = time.perf_counter()
    history = []
    for step in range(args.steps + 1):
        value, grad = d_miss(angle, args.speed, args.drag, args.dt, args.target)
        distance = landing_distance(angle, args.speed, args.drag, args.dt)
        history.append((math.degrees(angle), distance, value))
        print("%4d %7.3f deg %8.3f m %10.2e %12.4g" % (step, math.degrees(angle), distance, value, grad))
        if step < args.steps:
            angle -= args.lr * grad
    seconds = time.perf_counter() - start
    print("\nlaunch at %.3f degrees to land %.2g m from the target (%d gradients in %.2f s)" % (
        math.degrees(angle), abs(history[-1][1] - args.target), args.steps + 1, seconds))
    if abs(history[-1][1] - args.target) > 0.1 and abs(grad) < 0.1 * abs(history[0][1] - args.target):
        print("the target seems out of reach: the angle found makes the ball fly as far as it can, %.2f m"
              % history[-1][1])

    # The generated code: landing_distance_forward records the loop; landing_distance_backward
    # runs it backwards. Both come from srcdiff.vjp, the split form srcdiff uses for a called function.
    value, pullback = srcdiff.vjp(landing_distance)(angle, args.speed, args.drag, args.dt)
    source = srcdiff.vjp(landing_distance).source_for(angle, args.speed, args.drag, args.dt)
    backward = function_source(source, "landing_distance_backward")
    if not args.no_source:
        print("\nThe forward pass kept %d values on its tape for the reverse loop, which srcdiff generated as:\n"
              % pullback.tape_entries)
        print(backward)
    return {"angle_degrees": math.degrees(angle), "history": history, "backward_source": backward,
            "tape_entries": pullback.tape_entries}


if __name__ == "__main__":
    main()
