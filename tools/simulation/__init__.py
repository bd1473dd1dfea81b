"""The simulator (``cvm simulate``) and off-policy evaluation (issue 19, parts 5-6).

* :mod:`.population`: a generated base as the kernel's columns (observable only);
* :mod:`.hidden`: the HIDDEN true response model (imported by :mod:`.run` only);
* :mod:`.policies`: ours (kernel + learned P + planner), seed-rules, random;
* :mod:`.run`: the day-by-day loop, realised value with 95% intervals, calibration;
* :mod:`.ope`: inverse-propensity and doubly robust estimates from logged decisions;
* :mod:`.stats`: intervals and the expected calibration error.
"""
