from django.apps import AppConfig


class MatchingConfig(AppConfig):
    """The in-memory match indices, their hot reload, and the scan verdict."""

    name = "shieldwall.matching"
    label = "matching"

    def ready(self) -> None:
        import faiss

        # Scans already run side by side in threads and processes; faiss's OpenMP threads
        # inside one small search only spin against them. Ten query hashes against 300
        # banked ones: 0.12 ms single-threaded, 1.9 ms with two threads on a busy 2-core
        # host (ten times the CPU). Set before any search, so no thread pool exists to fork.
        faiss.omp_set_num_threads(1)
