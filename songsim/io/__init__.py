"""Readers for the inputs songsim accepts: audio, spectrogram PNGs and playlist files."""
