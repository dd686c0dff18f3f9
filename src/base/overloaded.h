// std::visit over one lambda per alternative: a variant alternative without a handler
// does not compile.
#pragma once

namespace pier {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace pier
