"""The model a researcher would write in SimPy: Poisson arrivals, a random balancer over N
pods, each pod an M/M/c FIFO server (simpy.Resource), latency recorded per request.
Same parameters as benches/peers/balancer.yaml. Prints requests, mean latency and wall time
as one JSON line."""
import json
import random
import sys
import time

import simpy


def main(pods=4, concurrency=1, rate=320.0, mean_service=0.01, horizon=float(sys.argv[1]) if len(sys.argv) > 1 else 300.0, seed=1):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=concurrency) for _ in range(pods)]
    latencies = []

    def request(env, server):
        arrived = env.now
        with server.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1.0 / mean_service))
        latencies.append(env.now - arrived)

    def arrivals(env):
        while True:
            yield env.timeout(rng.expovariate(rate))
            env.process(request(env, servers[rng.randrange(pods)]))

    env.process(arrivals(env))
    started = time.perf_counter()
    env.run(until=horizon)
    wall = time.perf_counter() - started
    print(json.dumps({"requests": len(latencies), "latency_ms_mean": 1e3 * sum(latencies) / len(latencies), "wall_s": wall}))


if __name__ == "__main__":
    main()
