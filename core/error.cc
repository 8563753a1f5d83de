#include "core/error.h"

#include <algorithm>

namespace counterpoint {

namespace {
// the first kMaxPrinted diagnostics, then a count of the rest
std::string JoinDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  const size_t shown = std::min(diagnostics.size(), kMaxPrintedDiagnostics);
  for (size_t i = 0; i < shown; ++i) {
    if (i) out += '\n';
    out += diagnostics[i].Format();
  }
  if (shown < diagnostics.size())
    out += "\n... and " + std::to_string(diagnostics.size() - shown) + " more error(s) (fix these first)";
  return out;
}
}  // namespace

std::string Diagnostic::Format() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (line > 0) {
    out += ':' + std::to_string(line);
    if (column > 0) out += ':' + std::to_string(column);
  }
  return out + ": error: " + message;
}

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(JoinDiagnostics(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(std::string file, std::string message)
    : InputError(std::vector<Diagnostic>{{std::move(file), 0, 0, std::move(message)}}) {}

InputError::InputError(std::string file, int line, int column, std::string message)
    : InputError(std::vector<Diagnostic>{{std::move(file), line, column, std::move(message)}}) {}

void DiagnosticList::Add(Diagnostic d) {
  // a hash set of the formatted texts keeps adding n diagnostics O(n)
  if (!seen_.insert(d.Format()).second) return;
  items_.push_back(std::move(d));
}

void DiagnosticList::ThrowIfAny() const {
  if (!items_.empty()) throw InputError(items_);
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

}  // namespace counterpoint
