"""The statement runner shared by ``apply`` (on production) and ``rehearse`` (on a clone): run a file's
statements naming the one that failed, apply ``[settings]`` with ``SET LOCAL``, and run and judge a package's
rollback-only probes."""
