"""Imported first by the training pool's forkserver (server.jobs.local_runner), and only there:
the forkserver dies with the serving process that started it, even one killed with SIGKILL, and
its workers (server.jobs.local_runner._init_worker) die with it."""

from server.processes import die_with_parent

die_with_parent()
