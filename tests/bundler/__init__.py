"""Tests of pyworkerd.bundler (they run the real esbuild)."""
