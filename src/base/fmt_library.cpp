// fmt's compiled functions, built into pier from Debian's headers: Debian ships them only
// in the shared libfmt, which would bring the shared libstdc++ back into binaries that link
// the C++ runtime statically (cmake/static_linking.cmake). format-inl.h defines the
// functions format.h declares; the templates format.h declares `extern` are instantiated
// here, once, for the character types it names.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;

}  // namespace detail
FMT_END_NAMESPACE
