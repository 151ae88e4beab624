resource "proxmox_virtual_environment_vm" "talos-cp1" {
  name      = "talos-cp1"
  node_name = "srv01"
  vm_id     = 201
  on_boot   = true
  machine   = "q35"

  agent {
    enabled = true
  }

  cpu {
    cores = 2
    type  = "host"
  }

  memory {
    dedicated = 4096
    floating  = 4096
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 32
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}

resource "proxmox_virtual_environment_vm" "talos-w1" {
  name      = "talos-w1"
  node_name = "srv01"
  vm_id     = 211
  on_boot   = true
  machine   = "q35"

  agent {
    enabled = true
  }

  cpu {
    cores = 4
    type  = "host"
  }

  memory {
    dedicated = 8192
    floating  = 8192
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 64
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}

resource "proxmox_virtual_environment_vm" "talos-w2" {
  name      = "talos-w2"
  node_name = "srv01"
  vm_id     = 212
  on_boot   = true
  machine   = "q35"

  agent {
    enabled = true
  }

  cpu {
    cores = 4
    type  = "host"
  }

  memory {
    dedicated = 8192
    floating  = 8192
  }

  disk {
    datastore_id = "local-lvm"
    interface    = "scsi0"
    size         = 64
  }

  network_device {
    bridge = "vmbr0"
  }

  network_device {
    bridge  = "vmbr0"
    vlan_id = 50
  }
}
