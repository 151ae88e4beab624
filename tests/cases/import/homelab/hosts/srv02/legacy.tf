# An older VM still managed with the Telmate provider (2.x syntax).
resource "proxmox_vm_qemu" "pbs" {
  name        = "pbs"
  target_node = local.node
  vmid        = 330
  memory      = 4096
  cores       = 2
  cpu         = "host"
  onboot      = true
  agent       = 1

  hostpci {
    host   = "0000:05:00.0"
    pcie   = 0
    rombar = 1
  }

  network {
    model  = "virtio"
    bridge = "vmbr0"
  }
}
