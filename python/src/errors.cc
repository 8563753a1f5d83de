// Engine errors -> Python exceptions with the CLI's message: InputError becomes
// counterpoint.ScenarioError (a ValueError) with file/line/column and every
// diagnostic; FileNotFound becomes counterpoint.MissingFileError (a FileNotFoundError);
// privacy::PermissionDenied becomes counterpoint.AccessDeniedError (a PermissionError)
// with the tier and the policy.
#include "core/error.h"
#include "privacy/session.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {
py::object OrNone(int x) { return x > 0 ? py::object(py::int_(x)) : py::object(py::none()); }

py::list DiagnosticTuples(const InputError& e) {
  py::list out;
  for (const Diagnostic& d : e.diagnostics())
    out.append(py::make_tuple(d.file, OrNone(d.line), OrNone(d.column), d.message));
  return out;
}
}  // namespace

void bind_errors(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FileNotFound& e) {
      py::object cls = py::module_::import("counterpoint.errors").attr("MissingFileError");
      const Diagnostic& d = e.diagnostics().front();
      py::object exc = cls(e.what(), d.file);
      PyErr_SetObject(cls.ptr(), exc.ptr());
    } catch (const InputError& e) {
      py::object cls = py::module_::import("counterpoint.errors").attr("ScenarioError");
      const Diagnostic& d = e.diagnostics().front();
      py::object exc = cls(e.what(), d.file, OrNone(d.line), OrNone(d.column), DiagnosticTuples(e));
      PyErr_SetObject(cls.ptr(), exc.ptr());
    } catch (const privacy::PermissionDenied& e) {
      py::object cls = py::module_::import("counterpoint.errors").attr("AccessDeniedError");
      py::object exc = cls(e.what(), e.tier(), e.policy());
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });
  // raise an engine error from its parts (for tests of the translation)
  m.def("_raise_input_error", [](const std::string& file, int line, int column, const std::string& message) {
    throw InputError(file, line, column, message);
  });
}

}  // namespace counterpoint::python
