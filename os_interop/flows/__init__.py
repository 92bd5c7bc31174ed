"""End-to-end flows that create resources, shared by several probes and run once per cloud."""
