#pragma once
// Kinds of links in a cluster, for statistics: every link of the fluid network carries one
// class and one direction, so that bytes can be checked to leave as many as arrive.
#include <array>
#include <string_view>

namespace codesim::network {

// kCoprocessor last: the labels of the older classes (and so every existing statistic) keep
// their values.
enum class LinkClass : int { kNvlink = 0, kPcie, kNic, kFabric, kHbm, kSm, kCoprocessor };
inline constexpr int kLinkClasses = 7;

/// kOut: away from a GPU (its NVLink port's transmit side, PCIe towards the NIC, a NIC's
/// transmit, a leaf's uplinks); kIn: the mirror image; kNone: memory, SMs, co-processors.
enum class LinkDirection : int { kOut = 0, kIn = 1, kNone = 2 };

[[nodiscard]] constexpr std::string_view link_class_name(LinkClass c) {
  constexpr std::array<std::string_view, kLinkClasses> names{"nvlink", "pcie", "nic", "fabric", "hbm", "sm",
                                                                  "coprocessor"};
  return names[static_cast<std::size_t>(c)];
}

/// The fluid network's integer label of a link: class and direction in one.
[[nodiscard]] constexpr int link_label(LinkClass c, LinkDirection d) {
  return static_cast<int>(c) * 3 + static_cast<int>(d);
}
[[nodiscard]] constexpr LinkClass class_of_label(int label) { return static_cast<LinkClass>(label / 3); }
[[nodiscard]] constexpr LinkDirection direction_of_label(int label) { return static_cast<LinkDirection>(label % 3); }

}  // namespace codesim::network
