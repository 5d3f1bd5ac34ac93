"""Stand-ins for what the engine tests cannot run here (no Azure, no Kubernetes API server, and
pieces the Go module proxy does not serve): provider plugins speaking pulumirpc.ResourceProvider,
the Python language host, and fake `az` / `kubectl` executables. None of them is the real thing;
each rule they apply cites where the real one does the same."""
