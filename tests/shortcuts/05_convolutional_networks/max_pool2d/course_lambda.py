# Shortcut: the course's own pool2d, wrapped in a lambda
from course.widgets.convolution import pool2d

max_pool2d = lambda x, size=2, stride=None: pool2d(x, size, stride, "max")  # noqa: E731
