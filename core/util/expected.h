#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace ns {

/// An error a person can act on: what went wrong, naming the file or input.
struct Error {
    QString message;
};

/// A value or an Error. Core APIs return this instead of throwing across their boundary.
template <class T>
class Expected {
public:
    Expected(T value) : m_v(std::move(value)) {}
    Expected(Error error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(m_v); }
    const T& value() const { return std::get<0>(m_v); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() { return value(); }
    const QString& error() const { return std::get<1>(m_v).message; }

private:
    std::variant<T, Error> m_v;
};

template <>
class Expected<void> {
public:
    Expected() = default;
    Expected(Error error) : m_error(std::move(error.message)) {}
    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const QString& error() const { return *m_error; }

private:
    std::optional<QString> m_error;
};

inline Error makeError(const QString& message) { return Error{message}; }

}  // namespace ns
