#include "core/error.h"

namespace counterpoint {

namespace {
std::string JoinDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i) out += '\n';
    out += diagnostics[i].Format();
  }
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
  for (const auto& e : items_)
    if (e.file == d.file && e.line == d.line && e.column == d.column && e.message == d.message) return;
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
