"""From files to a dataset: audio → log-mel clips (:mod:`.features`), folders and playlist files
ingested into a :class:`~songsim.data.datasets.Dataset` (:mod:`.ingest`), datasets stored and
loaded under the cache (:mod:`.datasets`), and the synthetic demo corpus (:mod:`.synth` renders
the audio, :mod:`.demo` builds the dataset)."""
