"""V8 isolates, the batched bridge, limits and the isolate pool.

The only package that imports ``py_mini_racer``.
"""
