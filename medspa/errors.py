"""Error reports (mail to ADMINS, the debug page) never carry health data."""

from django.views.debug import SafeExceptionReporterFilter


class NoClientDataReporterFilter(SafeExceptionReporterFilter):
    """Hide every POST value and every local variable of a failing request.

    Intake answers travel in booking POSTs and sit in view locals; an error report
    goes by mail, so it keeps the traceback and drops the data.
    """

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
